//! MediaRecorder.
