//! Showing a `<video>` in a native window (X11).

use super::HTMLMediaElement;
use crate::Result;
use mediacapture_hal::window::VideoWindow;
use std::sync::Arc;

/// A window showing a media element's video: every frame the element presents is drawn,
/// letterboxed (see [`mediacapture_hal::window`]). Dropping it closes the window and stops
/// taking frames.
pub struct ElementWindow {
    window: Arc<VideoWindow>,
    element: HTMLMediaElement,
    output: u64,
}

impl std::fmt::Debug for ElementWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ElementWindow")
            .field("window", &self.window)
            .finish()
    }
}

impl ElementWindow {
    /// The window.
    pub fn window(&self) -> &VideoWindow {
        &self.window
    }
}

impl Drop for ElementWindow {
    fn drop(&mut self) {
        self.element.remove_frame_output(self.output);
    }
}

impl HTMLMediaElement {
    /// Shows this element's video in a new window titled `title` on the X display
    /// (`DISPLAY`), sized to the video (640x480 before its size is known). The frame shown now
    /// is drawn at once.
    ///
    /// Errors: `NotFoundError` without a display, `NotReadableError` when the server
    /// refuses, `NotSupportedError` for a screen that is not 24-bit TrueColor.
    pub fn open_window(&self, title: &str) -> Result<ElementWindow> {
        let (w, h) = match (self.video_width(), self.video_height()) {
            (0, _) | (_, 0) => (640, 480),
            size => size,
        };
        let window = Arc::new(VideoWindow::open(title, w, h)?);
        let target = window.clone();
        let output = self.on_presented_frame(move |f| target.present(f));
        Ok(ElementWindow {
            window,
            element: self.clone(),
            output,
        })
    }
}
