//! The crate users import.
