//! Sealing the reprisals register: each case is encrypted with XChaCha20-Poly1305 under a
//! 256-bit key that never enters the database. The key comes from a file or the
//! environment; its id (a hash prefix) is stored beside each case, so that a wrong key is
//! named as such and key rotation knows what to re-encrypt.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

use crate::{random_bytes, RandomError};

/// The environment variable holding the key, base64.
pub const KEY_ENV: &str = "RIGHTSTRACK_REPRISALS_KEY";
/// The environment variable naming a file that holds the key, base64.
pub const KEY_FILE_ENV: &str = "RIGHTSTRACK_REPRISALS_KEY_FILE";

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error("the reprisals key is not valid: {0}; make one with `rightstrack reprisals keygen`")]
    BadKey(String),
    #[error("cannot read the reprisals key file {path}: {message}")]
    KeyFile { path: String, message: String },
    #[error("this case was sealed with key {stored}, but the key given is {given}: give the key it was sealed with, or rotate keys with `rightstrack reprisals rotate-key`")]
    WrongKey { stored: String, given: String },
    #[error("a sealed case failed its integrity check: it was altered or damaged")]
    Tampered,
}

/// A 256-bit key.
pub struct Key {
    bytes: [u8; 32],
    id: String,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({})", self.id)
    }
}

/// A sealed value as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

impl Key {
    /// A new random key, base64, for a key file.
    pub fn generate() -> Result<String, SealError> {
        Ok(STANDARD.encode(random_bytes::<32>()?))
    }

    /// A key from its base64 text (surrounding white space ignored).
    pub fn from_base64(text: &str) -> Result<Self, SealError> {
        let raw = STANDARD
            .decode(text.trim())
            .map_err(|e| SealError::BadKey(format!("not base64 ({e})")))?;
        let bytes: [u8; 32] = raw
            .try_into()
            .map_err(|v: Vec<u8>| SealError::BadKey(format!("{} bytes, expected 32", v.len())))?;
        let id = Sha256::digest(bytes)[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Self { bytes, id })
    }

    /// A key from a file holding its base64 text.
    pub fn from_file(path: &std::path::Path) -> Result<Self, SealError> {
        let text = std::fs::read_to_string(path).map_err(|e| SealError::KeyFile {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Self::from_base64(&text)
    }

    /// The key the environment gives ([`KEY_FILE_ENV`], else [`KEY_ENV`]), if any.
    pub fn from_env() -> Result<Option<Self>, SealError> {
        if let Some(path) = std::env::var_os(KEY_FILE_ENV) {
            return Self::from_file(std::path::Path::new(&path)).map(Some);
        }
        match std::env::var(KEY_ENV) {
            Ok(text) => Self::from_base64(&text).map(Some),
            Err(_) => Ok(None),
        }
    }

    /// Names the key without revealing it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Encrypts `plaintext`, bound to `context` (for example the case's id), so a sealed
    /// value cannot be moved to another row unnoticed.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<Sealed, SealError> {
        let nonce = random_bytes::<24>()?;
        let cipher = XChaCha20Poly1305::new((&self.bytes).into());
        let ciphertext = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .map_err(|_| SealError::Tampered)?;
        Ok(Sealed {
            key_id: self.id.clone(),
            nonce: nonce.to_vec(),
            ciphertext,
        })
    }

    /// Decrypts what [`Key::seal`] made with the same key and context.
    pub fn open(&self, sealed: &Sealed, context: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.key_id != self.id {
            return Err(SealError::WrongKey {
                stored: sealed.key_id.clone(),
                given: self.id.clone(),
            });
        }
        if sealed.nonce.len() != 24 {
            return Err(SealError::Tampered);
        }
        XChaCha20Poly1305::new((&self.bytes).into())
            .decrypt(
                XNonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| SealError::Tampered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn key() -> Result<Key, SealError> {
        Key::from_base64(&Key::generate()?)
    }

    #[test]
    fn round_trip_and_no_clear_text() -> TestResult {
        let k = key()?;
        let s = k.seal(b"journalist detained after meeting", b"case:1")?;
        assert!(!s.ciphertext.windows(10).any(|w| w == b"journalist"));
        assert_eq!(k.open(&s, b"case:1")?, b"journalist detained after meeting");
        Ok(())
    }

    #[test]
    fn wrong_key_wrong_context_and_tampering_are_refused() -> TestResult {
        let (a, b) = (key()?, key()?);
        let s = a.seal(b"text", b"case:1")?;
        assert!(matches!(
            b.open(&s, b"case:1"),
            Err(SealError::WrongKey { .. })
        ));
        assert!(matches!(a.open(&s, b"case:2"), Err(SealError::Tampered)));
        let mut t = s.clone();
        t.ciphertext[0] ^= 1;
        assert!(matches!(a.open(&t, b"case:1"), Err(SealError::Tampered)));
        Ok(())
    }

    #[test]
    fn bad_keys_are_named() -> TestResult {
        assert!(matches!(Key::from_base64("abc"), Err(SealError::BadKey(_))));
        assert!(matches!(Key::from_base64("!!"), Err(SealError::BadKey(_))));
        Ok(())
    }
}
