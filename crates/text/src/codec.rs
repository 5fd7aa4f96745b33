//! The byte-level pieces of the model format: little-endian numbers, LEB128 varints,
//! length-prefixed strings. Reading never trusts a length: every count is checked
//! against the bytes left before anything is allocated.

use crate::ModelError;

#[derive(Default)]
pub(crate) struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub fn var(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }
    pub fn len(&mut self, n: usize) {
        self.var(n as u64);
    }
    pub fn f32(&mut self, v: f32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn str(&mut self, s: &str) {
        self.len(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }
}

pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], ModelError> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len());
        let end = end.ok_or_else(|| ModelError::Truncated(what.to_string()))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    pub fn u8(&mut self, what: &str) -> Result<u8, ModelError> {
        Ok(self.take(1, what)?[0])
    }

    pub fn var(&mut self, what: &str) -> Result<u64, ModelError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8(what)?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(ModelError::Invalid(format!(
            "{what}: a number runs past 64 bits"
        )))
    }

    /// A count of items each at least `min_bytes` long: refused when the rest is shorter.
    pub fn len(&mut self, min_bytes: usize, what: &str) -> Result<usize, ModelError> {
        let n = self.var(what)?;
        let n =
            usize::try_from(n).map_err(|_| ModelError::Invalid(format!("{what}: count {n}")))?;
        if n.saturating_mul(min_bytes.max(1)) > self.remaining() && min_bytes > 0 {
            return Err(ModelError::Truncated(format!("{what}: {n} items")));
        }
        Ok(n)
    }

    pub fn f32(&mut self, what: &str) -> Result<f32, ModelError> {
        let b = self.take(4, what)?;
        Ok(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn f64(&mut self, what: &str) -> Result<f64, ModelError> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(f64::from_le_bytes(a))
    }

    pub fn str(&mut self, what: &str) -> Result<String, ModelError> {
        let n = self.len(1, what)?;
        let b = self.take(n, what)?;
        String::from_utf8(b.to_vec()).map_err(|_| ModelError::Invalid(format!("{what}: not UTF-8")))
    }
}

/// FNV-1a over the body, to tell a damaged file from a model.
pub(crate) fn checksum(bytes: &[u8]) -> u32 {
    let mut h = 0x811c_9dc5u32;
    for &b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_lies_are_caught() -> Result<(), ModelError> {
        let mut w = Writer::default();
        w.var(300);
        w.str("ab");
        w.f32(1.5);
        let mut r = Reader::new(&w.buf);
        assert_eq!(r.var("n")?, 300);
        assert_eq!(r.str("s")?, "ab");
        assert_eq!(r.f32("f")?, 1.5);
        assert!(r.u8("end").is_err());
        let mut lie = Writer::default();
        lie.var(u64::MAX);
        assert!(Reader::new(&lie.buf).len(1, "n").is_err());
        assert!(Reader::new(&[0xff; 12]).var("n").is_err());
        Ok(())
    }
}
