'use strict';
// Errors: OverconstrainedError, and the one way native errors become JavaScript ones.

class OverconstrainedError extends DOMException {
  #constraint;
  constructor(constraint, message = '') {
    if (arguments.length < 1) {
      throw new TypeError("Failed to construct 'OverconstrainedError': 1 argument required, but only 0 present.");
    }
    super(message === undefined ? '' : String(message), 'OverconstrainedError');
    this.#constraint = String(constraint);
  }
  get constraint() {
    if (!(#constraint in this)) throw new TypeError('Illegal invocation');
    return this.#constraint;
  }
}
Object.defineProperty(OverconstrainedError.prototype, Symbol.toStringTag, {
  value: 'OverconstrainedError',
  configurable: true,
});

function parseErrorJson(text) {
  try {
    const v = JSON.parse(text);
    return v !== null && typeof v === 'object' && typeof v.name === 'string' ? v : null;
  } catch {
    return null;
  }
}

/**
 * The one way errors cross from the native side. A native call throws (or its promise
 * rejects with) an Error whose code is "GenericFailure" and whose message is the library's
 * `Error::to_json()` text, `{name, message, constraint?}`; the recorder's `error` event
 * carries the same text. `errorFrom` takes either (the thrown error, or the text) and gives
 * what a browser raises: a TypeError or RangeError for those names, an OverconstrainedError
 * with its constraint, else a DOMException of that name. Anything else is returned as it is.
 */
function errorFrom(e) {
  let json = null;
  if (typeof e === 'string') json = parseErrorJson(e);
  else if (e instanceof Error && e.code === 'GenericFailure') json = parseErrorJson(e.message);
  if (json === null) return e;
  const message = typeof json.message === 'string' ? json.message : '';
  switch (json.name) {
    case 'TypeError':
      return new TypeError(message);
    case 'RangeError':
      return new RangeError(message);
    case 'OverconstrainedError':
      return new OverconstrainedError(json.constraint ?? '', message);
    default:
      return new DOMException(message, json.name);
  }
}

/** Runs a synchronous native call; its error is thrown as `errorFrom` gives it. */
function callNative(f) {
  try {
    return f();
  } catch (e) {
    throw errorFrom(e);
  }
}

/** A native promise whose rejection is turned into the JavaScript error by `errorFrom`. */
function nativePromise(p) {
  return p.catch((e) => {
    throw errorFrom(e);
  });
}

module.exports = { OverconstrainedError, errorFrom, callNative, nativePromise };
