//! The vocabulary of the W3C Media Capture and Streams specification.
#![forbid(unsafe_code)]

pub mod enums;
pub mod error;
pub mod native;

pub use enums::*;
pub use error::{Error, ErrorKind, Result};
