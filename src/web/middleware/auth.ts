import type { RequestHandler } from 'express';

/** Lets signed-in users through; sends everyone else to /login, remembering where they were going. */
export const requireUser: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  // HEAD answers as GET does, Location included.
  const wanted = req.method === 'GET' || req.method === 'HEAD' ? req.originalUrl : '/dashboard';
  const query = wanted && wanted !== '/' && wanted !== '/dashboard' ? `?next=${encodeURIComponent(wanted)}` : '';
  // A sign-in waiting for its second factor goes back to the code page (which sends a stale one to /login), with the
  // page wanted: the full login form asked for the password again, and the code then led to the dashboard.
  if (req.session?.pendingTwoFactor) return res.redirect(303, `/login/code${query}`);
  res.redirect(303, `/login${query}`);
};

/** Sends already signed-in users away from the login and registration pages. */
export const redirectIfSignedIn: RequestHandler = (req, res, next) => {
  if (req.user) return res.redirect(303, '/dashboard');
  next();
};
