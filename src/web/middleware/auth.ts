import type { RequestHandler } from 'express';

/** Lets signed-in users through; sends everyone else to /login, remembering where they were going. */
export const requireUser: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  const wanted = req.method === 'GET' ? req.originalUrl : '/dashboard';
  const query = wanted && wanted !== '/' && wanted !== '/dashboard' ? `?next=${encodeURIComponent(wanted)}` : '';
  res.redirect(303, `/login${query}`);
};

/** Sends already signed-in users away from the login and registration pages. */
export const redirectIfSignedIn: RequestHandler = (req, res, next) => {
  if (req.user) return res.redirect(303, '/dashboard');
  next();
};
