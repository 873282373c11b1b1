//! Sans-IO decisions of Media Capture and Streams.
#![forbid(unsafe_code)]
