//! Credentials and secrets, with no I/O of their own: password hashing (argon2id) and the
//! password rules, random tokens for sessions, CSRF and the API (stored only as hashes),
//! TOTP second factors, and the sealing of the reprisals register with a key kept outside
//! the database.
//!
//! Hashing a password is slow on purpose (tens of milliseconds): callers on an async
//! runtime run [`password::hash`] and [`password::verify`] on a blocking thread.

pub mod password;
pub mod sealed;
pub mod token;
pub mod totp;

/// Fills `buf` from the operating system's generator.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| RandomError(e.to_string()))?;
    Ok(buf)
}

/// The operating system could not give random bytes; nothing secret can be made.
#[derive(Debug, thiserror::Error)]
#[error("the system's random number generator failed: {0}")]
pub struct RandomError(String);
