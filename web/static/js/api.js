// slod's JSON API, relative to the page so slod may serve it under a
// prefix. Failures become ApiError with the problem+json title and detail.

const API = 'api/v1';

export class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail ? title + ': ' + detail : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

// api fetches JSON. A body that is not JSON (a proxy's error page) still
// gives a readable error.
export async function api(path, options) {
  let res;
  try {
    res = await fetch(API + path, Object.assign({ headers: { Accept: 'application/json' }, cache: 'no-store' }, options));
  } catch (e) {
    throw new ApiError(0, 'Cannot reach slod', e.message);
  }
  const text = await res.text();
  let body = null;
  if (text) {
    try { body = JSON.parse(text); } catch (e) { body = null; }
  }
  if (!res.ok) {
    const title = (body && typeof body.title === 'string' && body.title) || 'HTTP ' + res.status + ' ' + res.statusText;
    const detail = body && typeof body.detail === 'string' ? body.detail : '';
    throw new ApiError(res.status, title, detail);
  }
  if (text && body === null) throw new ApiError(res.status, 'Bad response', 'the server did not send JSON');
  return body;
}

// enc escapes one path segment or query value.
export const enc = encodeURIComponent;
