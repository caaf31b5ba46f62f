//! The one integration-test binary: every test drives the real server or the real CLI.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod alerts;
mod analytics;
mod api;
mod appointments;
mod assistant;
mod browser;
mod channels;
mod cli;
mod common;
mod crash;
mod database;
mod fakes;
mod hooks;
mod inbox;
mod integrations;
mod layers;
mod layout;
mod oauth;
mod onboarding;
mod pages;
mod properties;
mod replication;
mod stores;
mod webhooks;
