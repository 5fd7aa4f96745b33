//! Random bearer secrets: session identifiers, CSRF tokens and API tokens. The database
//! keeps only their SHA-256, so a stolen database file holds no usable credential.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{random_bytes, RandomError};

/// What API tokens start with, so that they are recognisable in logs and secret scanners.
pub const API_TOKEN_PREFIX: &str = "rt_";

/// 256 random bits, URL-safe.
pub fn generate() -> Result<String, RandomError> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// A new API token: the plain text (shown once) and its hash (stored).
pub fn generate_api_token() -> Result<(String, String), RandomError> {
    let plain = format!("{API_TOKEN_PREFIX}{}", generate()?);
    let hashed = digest(&plain);
    Ok((plain, hashed))
}

/// The stored form of a secret: hex SHA-256.
pub fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn tokens_are_long_random_and_stored_hashed() -> TestResult {
        let (a, b) = (generate()?, generate()?);
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        let (plain, hashed) = generate_api_token()?;
        assert!(plain.starts_with("rt_"));
        assert_eq!(hashed, digest(&plain));
        assert_eq!(hashed.len(), 64);
        assert!(!hashed.contains(&plain[3..]));
        Ok(())
    }

    #[test]
    fn comparison() -> TestResult {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
        Ok(())
    }
}
