'use strict';
// Permissions: navigator.permissions.query() for the three powerful features of these specs,
// PermissionStatus, and the prompt handler (setPromptHandler()).

const { native, kInternal, nativeDevices } = require('./internal');
const { trusted, defineEventHandlers, envNumber } = require('./events');
const { idlString } = require('./webidl');

const permissionNames = ['camera', 'microphone', 'display-capture', 'speaker-selection'];
const permissionStates = ['granted', 'denied', 'prompt'];

// ------------------------------------------------------------------------------------------
// Permission prompts: setPromptHandler().
//
// The native side asks from the thread running getUserMedia / getDisplayMedia (its own),
// through a weak threadsafe function that exists only while a handler is set; that thread
// waits for answerPrompt(id, allowed). Every prompt delivered here is answered exactly once.

let promptHandler = null;

/**
 * Nonstandard: `handler(request)` answers permission prompts (a permission set to "prompt")
 * for every MediaDevices of this JavaScript environment, as a browser's user would.
 * `request` is `{ name: "camera" | "microphone" | "display-capture", origin, devices: [labels]
 * }`; the handler returns (or resolves with) `true` / "granted" to allow, anything else (or
 * throws, or rejects) to refuse: NotAllowedError. A granted camera or microphone is
 * remembered (the permission becomes "granted"); display-capture asks every time. `null`
 * removes the handler: prompts are refused again.
 */
function setPromptHandler(handler) {
  if (handler !== null && handler !== undefined && typeof handler !== 'function') {
    throw new TypeError('setPromptHandler: the handler must be a function or null');
  }
  const had = promptHandler !== null;
  promptHandler = handler ?? null;
  // Only the transitions touch the native side: no threadsafe function without a handler.
  if (had !== (promptHandler !== null)) native.setPromptHandler(envNumber, promptHandler === null ? null : onPrompt);
}

function onPrompt(...args) {
  // napi hands the (id, request) tuple over as one array.
  const [id, text] = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  const handler = promptHandler;
  // The handler runs in a microtask of its own: what it throws becomes a refusal.
  Promise.resolve()
    .then(() => (handler === null ? false : handler(JSON.parse(text))))
    .then(
      (answer) => answer === true || answer === 'granted',
      () => false,
    )
    .then((allowed) => native.answerPrompt(id, allowed));
}

// ------------------------------------------------------------------------------------------
// PermissionStatus and Permissions.

const permissionStatuses = new Set(); // WeakRefs to PermissionStatus objects
let constructingStatus = null;

class PermissionStatus extends EventTarget {
  #name;
  #md;
  #state;
  constructor() {
    const c = constructingStatus;
    constructingStatus = null;
    if (c === null) throw new TypeError('Illegal constructor');
    super();
    this.#name = c.name;
    this.#md = c.md;
    this.#state = nativeDevices.get(c.md).permission(c.name);
    permissionStatuses.add(new WeakRef(this));
  }
  get name() {
    return this.#name;
  }
  get state() {
    return this.#state;
  }
  static [kInternal](status, md, name) {
    if (status.#md !== md || status.#name !== name) return;
    const now = nativeDevices.get(md).permission(name);
    if (now === status.#state) return;
    status.#state = now;
    status.dispatchEvent(new Event('change', trusted()));
  }
}
defineEventHandlers(PermissionStatus, ['change']);

class Permissions {
  #defaultDevices;
  constructor(token, defaultDevices) {
    if (token !== kInternal) throw new TypeError('Illegal constructor');
    this.#defaultDevices = defaultDevices;
  }
  query(permissionDesc) {
    if (permissionDesc === null || typeof permissionDesc !== 'object') {
      return Promise.reject(new TypeError("Failed to execute 'query' on 'Permissions': parameter 1 is not of type 'PermissionDescriptor'."));
    }
    let name;
    try {
      name = idlString(permissionDesc.name);
    } catch (e) {
      return Promise.reject(e);
    }
    if (!permissionNames.includes(name)) {
      return Promise.reject(new TypeError(`Failed to execute 'query' on 'Permissions': The provided value '${name}' is not a valid enum value of type PermissionName.`));
    }
    constructingStatus = { name, md: this.#defaultDevices() };
    return Promise.resolve(new PermissionStatus());
  }
}

// The change is announced in a task of its own, as a browser queues it.
function permissionChanged(md, name) {
  setImmediate(() => {
    for (const ref of permissionStatuses) {
      const status = ref.deref();
      if (status === undefined) permissionStatuses.delete(ref);
      else PermissionStatus[kInternal](status, md, name);
    }
  });
}

module.exports = {
  permissionNames,
  permissionStates,
  setPromptHandler,
  PermissionStatus,
  Permissions,
  permissionChanged,
};
