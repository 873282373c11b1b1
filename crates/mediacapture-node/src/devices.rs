//! `MediaDevices`: devices, permissions and exposure state for one origin; `getUserMedia`,
//! `getDisplayMedia`, `enumerateDevices`, `devicechange`, and the fake backend's test hooks.

use crate::errors::{js, js_error, type_error};
use crate::events::emit;
use crate::stream::NativeStream;
use crate::{prompt, to_json_text};
use mediacapture::{
    DeviceChangeEvent, DeviceInfo, DisplayMediaStreamOptions, MediaDevices, MediaStreamConstraints,
    PermissionName, PermissionState,
};
use mediacapture_hal::fake::{DeviceSpec, FakeBackend, FakeProfile};
use napi::bindgen_prelude::{AsyncTask, Object};
use napi::{Env, Task};
use napi_derive::napi;
use serde_json::{Value, json};
use std::sync::Arc;

fn device_json(d: &DeviceInfo) -> Value {
    let mut v = d.to_json();
    v["capabilities"] = match d.get_capabilities() {
        Some(c) => serde_json::to_value(c).unwrap_or(Value::Null),
        None => Value::Null,
    };
    v
}

fn device_list_json(list: &[DeviceInfo]) -> Value {
    Value::Array(list.iter().map(device_json).collect())
}

fn permission_name(name: &str) -> napi::Result<PermissionName> {
    PermissionName::from_name(name)
        .ok_or_else(|| type_error(format!("unknown permission name {name:?}")))
}

/// One `MediaDevices`: devices, permissions and exposure state for one origin.
#[napi]
pub struct NativeDevices {
    pub(crate) md: MediaDevices,
    fake: Option<Arc<FakeBackend>>,
    /// The JavaScript environment this object belongs to (its prompt handler answers).
    pub(crate) env: Option<u32>,
}

#[napi]
impl NativeDevices {
    /// `options` (JSON): `{"origin": string, "fakeProfile": object, "env": number}`, all
    /// optional. Devices: `fakeProfile` if given; else the fake backend when
    /// `MEDIACAPTURE_FAKE` is set (`1` or a profile path); else the real backends
    /// (`mediacapture_hal::default_backends`, which falls back to fake devices when the
    /// machine has none). Every permission starts "granted" (a Node program is its own user
    /// agent); a permission set to "prompt" asks the prompt handler of environment `env`
    /// ([`prompt::set_prompt_handler`]), and is refused when there is none.
    #[napi(constructor)]
    pub fn new(options: String) -> napi::Result<Self> {
        let opts: Value = serde_json::from_str(&options)
            .map_err(|e| type_error(format!("invalid options: {e}")))?;
        let origin = opts
            .get("origin")
            .and_then(Value::as_str)
            .unwrap_or("node")
            .to_string();
        let fake = match opts.get("fakeProfile") {
            Some(p) if !p.is_null() => {
                let profile = js(FakeProfile::from_json(&p.to_string()))?;
                Some(Arc::new(FakeBackend::new(profile)))
            }
            _ => FakeBackend::from_env().map(Arc::new),
        };
        let env = opts
            .get("env")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok());
        let mut builder = MediaDevices::builder()
            .origin(origin)
            .all_permissions(PermissionState::Granted);
        if let Some(env) = env {
            builder = builder.prompt(move |request| prompt::ask_javascript(env, request));
        }
        if let Some(f) = &fake {
            builder = builder.backend_arc(f.clone());
        }
        Ok(NativeDevices {
            md: builder.build(),
            fake,
            env,
        })
    }

    /// The names of the backends in use (`["fake"]`, `["pulse", "x11"]`, ...).
    #[napi]
    pub fn backends(&self) -> Vec<String> {
        self.md
            .backend_names()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// `enumerateDevices()`: resolves with JSON `[{deviceId, kind, label, groupId,
    /// capabilities}]` (`capabilities` null for outputs).
    #[napi(ts_return_type = "Promise<string>")]
    pub fn enumerate(&self) -> AsyncTask<EnumerateTask> {
        AsyncTask::new(EnumerateTask {
            md: self.md.clone(),
        })
    }

    /// The synchronous steps of getUserMedia (WebIDL conversion, step 1): throws their error.
    #[napi]
    pub fn check_user_media(&self, constraints: String) -> napi::Result<()> {
        js(
            MediaStreamConstraints::from_json(&constraints).and_then(|c| {
                for kind in [
                    mediacapture::TrackKind::Audio,
                    mediacapture::TrackKind::Video,
                ] {
                    mediacapture_core::check_constraint_strings(&c.get(kind).constraints())?;
                }
                mediacapture_core::requested_kinds(&c).map(|_| ())
            }),
        )
    }

    /// `getUserMedia(constraints)`: resolves with a [`NativeStream`].
    #[napi(ts_return_type = "Promise<NativeStream>")]
    pub fn get_user_media<'env>(
        &self,
        env: &'env Env,
        constraints: String,
    ) -> napi::Result<Object<'env>> {
        self.media(env, Request::User(constraints))
    }

    /// The synchronous steps of getDisplayMedia: throws their error.
    #[napi]
    pub fn check_display_media(&self, options: String) -> napi::Result<()> {
        js(DisplayMediaStreamOptions::from_json(&options)
            .and_then(|o| mediacapture_core::check_display_options(&o)))
    }

    /// `getDisplayMedia(options)`: resolves with a [`NativeStream`].
    #[napi(ts_return_type = "Promise<NativeStream>")]
    pub fn get_display_media<'env>(
        &self,
        env: &'env Env,
        options: String,
    ) -> napi::Result<Object<'env>> {
        self.media(env, Request::Display(options))
    }

    /// Runs a request on a thread of its own (it may wait for a prompt as long as the user
    /// takes) and returns the promise it settles.
    fn media<'env>(&self, env: &'env Env, request: Request) -> napi::Result<Object<'env>> {
        let (deferred, promise) = env.create_deferred()?;
        let md = self.md.clone();
        let env_number = self.env;
        std::thread::Builder::new()
            .name("mediacapture-gum".into())
            .spawn(move || {
                // A panic must still settle the promise (an unsettled one keeps the event
                // loop alive forever): it becomes an UnknownError.
                let run = std::panic::AssertUnwindSafe(|| match &request {
                    Request::User(json) => MediaStreamConstraints::from_json(json)
                        .and_then(|c| futures_executor::block_on(md.get_user_media(c))),
                    Request::Display(json) => DisplayMediaStreamOptions::from_json(json)
                        .and_then(|o| futures_executor::block_on(md.get_display_media(o))),
                });
                let result = std::panic::catch_unwind(run).unwrap_or_else(|_| {
                    Err(mediacapture::Error::unknown(
                        "internal error while opening the devices",
                    ))
                });
                prompt::with_live_env(env_number, move || match result {
                    Ok(s) => deferred.resolve(move |_env| Ok(NativeStream::from(s))),
                    Err(e) => deferred.reject(js_error(&e)),
                });
            })
            .map_err(|e| napi::Error::from_reason(format!("cannot start a thread: {e}")))?;
        Ok(promise)
    }

    /// `getSupportedConstraints()` as JSON.
    #[napi]
    pub fn supported_constraints(&self) -> String {
        to_json_text(&self.md.get_supported_constraints())
    }

    /// Sets a permission (`camera`, `microphone`, `display-capture`) to `granted`, `denied`
    /// or `prompt`. Denying revokes: live tracks of that kind end with `ended`.
    #[napi]
    pub fn set_permission(&self, name: String, state: String) -> napi::Result<()> {
        let n = permission_name(&name)?;
        let s = PermissionState::from_name(&state)
            .ok_or_else(|| type_error(format!("unknown permission state {state:?}")))?;
        self.md.set_permission(n, s);
        Ok(())
    }

    /// The state of a permission.
    #[napi]
    pub fn permission(&self, name: String) -> napi::Result<String> {
        Ok(self
            .md
            .permission(permission_name(&name)?)
            .as_str()
            .to_string())
    }

    /// Delivers this object's `devicechange` events to the event sink as `target`, with the
    /// payload `{devices, userInsertedDevices}`.
    #[napi]
    pub fn listen(&self, target: u32) {
        self.md.add_event_listener(move |e: &DeviceChangeEvent| {
            let payload = json!({
                "devices": device_list_json(&e.devices),
                "userInsertedDevices": device_list_json(&e.user_inserted_devices),
            });
            emit(target, "devicechange", payload.to_string());
        });
    }

    /// Test hook (fake backend only): plugs in a device described like a profile entry.
    /// Returns its raw id.
    #[napi]
    pub fn fake_add_device(&self, spec: String) -> napi::Result<String> {
        let fake = self.fake_backend()?;
        let spec = js(DeviceSpec::from_json(&spec))?;
        js(fake.add_device(spec))
    }

    /// Test hook (fake backend only): unplugs a device by raw id.
    #[napi]
    pub fn fake_remove_device(&self, raw_id: String) -> napi::Result<()> {
        js(self.fake_backend()?.remove_device(&raw_id))
    }

    fn fake_backend(&self) -> napi::Result<&Arc<FakeBackend>> {
        self.fake.as_ref().ok_or_else(|| {
            js_error(&mediacapture::Error::invalid_state(
                "not using the fake backend",
            ))
        })
    }
}

/// The work of `enumerateDevices()`.
pub struct EnumerateTask {
    md: MediaDevices,
}

impl Task for EnumerateTask {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> napi::Result<String> {
        let list = js(futures_executor::block_on(self.md.enumerate_devices()))?;
        Ok(device_list_json(&list).to_string())
    }

    fn resolve(&mut self, _env: Env, output: String) -> napi::Result<String> {
        Ok(output)
    }
}

/// A `getUserMedia()` / `getDisplayMedia()` call: its dictionary as JSON.
enum Request {
    User(String),
    Display(String),
}
