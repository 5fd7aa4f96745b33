//! Passwords: argon2id hashes in PHC string form, and the rules a new password must meet.
//!
//! The rules follow NIST SP 800-63B: a minimum length and a check against passwords known
//! from breaches and common patterns, no composition rules. The list of known passwords is
//! the one the `zxcvbn` crate ships (built from public breach corpora), so it works offline.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::{random_bytes, RandomError};

/// Shorter passwords are refused.
pub const MIN_LENGTH: usize = 12;
/// Longer input is refused before hashing, so a huge body cannot cost a huge hash.
pub const MAX_LENGTH: usize = 256;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error("the password is too short: use at least {MIN_LENGTH} characters (a few words make a good one)")]
    TooShort,
    #[error("the password is too long: use at most {MAX_LENGTH} characters")]
    TooLong,
    #[error("the password is too easy to guess ({0}); choose another, for example a few unrelated words")]
    Guessable(String),
}

/// Checks a new password. `context` holds words the password must not be built from
/// (the user name, the display name, the product's name).
pub fn check_policy(password: &str, context: &[&str]) -> Result<(), PolicyError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PolicyError::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PolicyError::TooLong);
    }
    let mut words = vec!["rightstrack", "upr", "password"];
    words.extend_from_slice(context);
    let estimate = zxcvbn::zxcvbn(password, &words);
    if (estimate.score() as u8) < 3 {
        let why = estimate
            .feedback()
            .and_then(|f| f.warning().map(|w| w.to_string()))
            .unwrap_or_else(|| "it is a known or common password or pattern".to_string());
        return Err(PolicyError::Guessable(why));
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string of a new hash of `password`, with a fresh salt.
pub fn hash(password: &str) -> Result<String, HashError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| HashError::Hash(e.to_string()))?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError::Hash(e.to_string()))
}

/// Whether `password` matches the stored hash. A malformed stored hash never matches.
pub fn verify(stored: &str, password: &str) -> bool {
    if password.len() > MAX_LENGTH * 4 {
        return false;
    }
    match PasswordHash::new(stored) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash no password is known for, to verify against when the user does not exist, so
/// that a sign-in takes as long for an unknown name as for a known one.
pub fn decoy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$ZGVjb3lkZWNveWRlY295$7Qn4wJbxkUqfLdrXFDOnbiQ6yYSgtVLcRPGyQ6kZ3iE"
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn a_hash_verifies_its_password_only() -> TestResult {
        let h = hash("correct horse battery staple")?;
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&h, "correct horse battery staple"));
        assert!(!verify(&h, "correct horse battery stapl"));
        assert!(!verify("not a hash", "anything"));
        assert!(!verify(decoy_hash(), ""));
        assert!(
            PasswordHash::new(decoy_hash()).is_ok(),
            "the decoy must cost a real hash"
        );
        Ok(())
    }

    #[test]
    fn two_hashes_of_one_password_differ() -> TestResult {
        assert_ne!(
            hash("same password here").ok(),
            hash("same password here").ok()
        );
        Ok(())
    }

    #[test]
    fn policy_refuses_short_common_and_personal_passwords() -> TestResult {
        assert_eq!(check_policy("short", &[]), Err(PolicyError::TooShort));
        assert!(matches!(
            check_policy("password1234", &[]),
            Err(PolicyError::Guessable(_))
        ));
        assert!(matches!(
            check_policy("qwertyuiop123", &[]),
            Err(PolicyError::Guessable(_))
        ));
        assert!(matches!(
            check_policy("aminata.diallo", &["aminata.diallo"]),
            Err(PolicyError::Guessable(_))
        ));
        assert_eq!(
            check_policy(&"x".repeat(300), &[]),
            Err(PolicyError::TooLong)
        );
        assert_eq!(check_policy("violet tractor umbrella 42", &[]), Ok(()));
        Ok(())
    }
}
