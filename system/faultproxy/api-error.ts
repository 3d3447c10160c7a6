/** An error the API answers with `{"error": message, "status": status}` (Toxiproxy's ApiError). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message)
  }

  /** Toxiproxy's joinError: the catalogue message, a colon, then the detail. */
  because(detail: string): ApiError {
    return new ApiError(`${this.message}: ${detail}`, this.status)
  }

  toJSON(): {error: string; status: number} {
    return {error: this.message, status: this.status}
  }
}

// Toxiproxy's catalogue, same messages and statuses.
export const ErrBadRequestBody = new ApiError('bad request body', 400)
export const ErrMissingField = new ApiError('missing required field', 400)
export const ErrProxyNotFound = new ApiError('proxy not found', 404)
export const ErrProxyAlreadyExists = new ApiError('proxy already exists', 409)
export const ErrInvalidStream = new ApiError('stream was invalid, can be either upstream or downstream', 400)
export const ErrInvalidToxicType = new ApiError('invalid toxic type', 400)
export const ErrToxicAlreadyExists = new ApiError('toxic already exists', 409)
export const ErrToxicNotFound = new ApiError('toxic not found', 404)

/** Anything else (a bind failure, an unresolvable address) is a 500 with the error's message. */
export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err
  return new ApiError(err instanceof Error ? err.message : String(err), 500)
}
