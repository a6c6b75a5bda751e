//! The `lyhord` program: configuration, the server, and the administrative commands.
//! `main.rs` only parses the command line; everything it runs lives here so that the
//! integration tests can drive the same code.

pub mod admin;
pub mod backup;
pub mod calendar_cli;
pub mod config;
pub mod demo;
pub mod gallring_cli;
pub mod policy;
pub mod serve;

pub use config::Settings;
