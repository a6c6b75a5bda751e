//! One integration-test binary that drives the real application over HTTP and the real
//! `lyhord` executable, on SQLite and on PostgreSQL.

mod support;

mod access_matrix;
mod alerts;
mod backup;
mod breach;
mod citizen;
mod cli;
mod control_characters;
mod demo;
mod dialogues;
mod gallring;
mod mail;
mod open311;
mod privacy;
mod publication;
mod register;
mod reports;
mod rights;
mod staff_access;
mod staff_admin;
mod staff_cases;
mod start_page;
mod verify;
