/** An error that carries the HTTP status the error handler should answer with. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The thing asked for does not exist, or is not the caller's to see. */
export class NotFoundError extends HttpError {
  constructor(message = 'We could not find that page.') {
    super(404, message);
  }
}

/** A request the app cannot make sense of at all (not a form the user can fix). */
export class BadRequestError extends HttpError {
  constructor(message = 'That request could not be understood.') {
    super(400, message);
  }
}
