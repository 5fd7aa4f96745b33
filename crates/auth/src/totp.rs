//! Time-based one-time passwords (RFC 6238: SHA-1, six digits, 30 seconds), as every
//! authenticator app reads them. A code is accepted in the step before, at and after now,
//! and never twice: the caller keeps the last step used and passes it back.

use totp_rs::{Algorithm, Secret, TOTP};

use crate::{random_bytes, RandomError};

const STEP: u64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error("the stored second-factor secret is unreadable: {0}")]
    BadSecret(String),
}

/// A new secret, base32 as authenticator apps take it.
pub fn new_secret() -> Result<String, TotpError> {
    Ok(Secret::Raw(random_bytes::<20>()?.to_vec())
        .to_encoded()
        .to_string())
}

fn totp(secret: &str) -> Result<TOTP, TotpError> {
    let bytes = Secret::Encoded(secret.to_string())
        .to_bytes()
        .map_err(|e| TotpError::BadSecret(format!("{e:?}")))?;
    // Unchecked: RFC 6238's own test key is shorter than the 128 bits the checked
    // constructor insists on; secrets made here are 160 bits.
    Ok(TOTP::new_unchecked(Algorithm::SHA1, 6, 1, STEP, bytes))
}

/// The code for `unix_time`, for tests and for showing while setting up.
pub fn code_at(secret: &str, unix_time: u64) -> Result<String, TotpError> {
    Ok(totp(secret)?.generate(unix_time))
}

/// The time step `code` is valid for at `unix_time`, if it is valid and newer than
/// `last_used_step`.
pub fn verify(
    secret: &str,
    code: &str,
    unix_time: u64,
    last_used_step: Option<u64>,
) -> Result<Option<u64>, TotpError> {
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(secret)?;
    let now = unix_time / STEP;
    for step in [now.saturating_sub(1), now, now + 1] {
        if last_used_step.is_some_and(|last| step <= last) {
            continue;
        }
        if crate::token::same(&totp.generate(step * STEP), &code) {
            return Ok(Some(step));
        }
    }
    Ok(None)
}

/// The `otpauth://` address an authenticator app can be given (typed, or as a QR code).
pub fn provisioning_uri(secret: &str, account: &str, issuer: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period={STEP}",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn rfc6238_vector() -> TestResult {
        // RFC 6238 appendix B, SHA-1 key "12345678901234567890", T = 59 s → 94287082 (8
        // digits); the six-digit code is its last six digits.
        let secret = Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        assert_eq!(code_at(&secret, 59)?, "287082");
        Ok(())
    }

    #[test]
    fn codes_verify_once_within_the_window() -> TestResult {
        let secret = new_secret()?;
        let t = 1_800_000_000;
        let code = code_at(&secret, t)?;
        let step = verify(&secret, &code, t + 20, None)?;
        assert_eq!(step, Some(t / STEP));
        assert_eq!(verify(&secret, &code, t + 20, step)?, None);
        assert_eq!(verify(&secret, &code, t + 300, None)?, None);
        assert_eq!(verify(&secret, "12a456", t, None)?, None);
        Ok(())
    }
}
