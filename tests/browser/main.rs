//! Browser tests: the generated site opened from disk in a real headless Chromium.
//! Each test skips (and says so) when Chromium is not installed, unless
//! `GIT_INCIDENT_BROWSER_TESTS=require` (CI) makes that a failure.
#![cfg(unix)]

mod chromium;
#[path = "../cli/common.rs"]
mod common;
mod harness;
mod site;
