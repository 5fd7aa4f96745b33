//! ZIP containers (DOCX, XLSX) opened with limits. A hostile file can be a ZIP bomb: the
//! number of entries and the declared uncompressed size are capped before anything is
//! inflated, and every entry is inflated through what is left of the size budget, since
//! declared sizes can lie.

use std::io::{Cursor, Read};

use zip::ZipArchive;

/// The most a container may inflate to, all entries together.
pub const MAX_UNCOMPRESSED_BYTES: u64 = 64 * 1024 * 1024;
/// The most entries a container may hold; real documents have a few dozen.
pub const MAX_ENTRIES: usize = 10_000;

/// True when the bytes start like a ZIP archive (DOCX and XLSX both do).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// An archive checked against the limits. Errors are sentences fit for a refusal message;
/// `kind` ("DOCX", "XLSX") names the file type in them.
pub struct Archive<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    kind: &'static str,
    /// Bytes that may still be inflated.
    budget: u64,
}

impl<'a> Archive<'a> {
    pub fn open(bytes: &'a [u8], kind: &'static str) -> Result<Self, String> {
        let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
            format!("the {kind} is damaged or truncated: it is not a readable ZIP archive ({e})")
        })?;
        if zip.len() > MAX_ENTRIES {
            return Err(format!(
                "the {kind} holds {} entries; the limit is {MAX_ENTRIES}. It is not an ordinary {kind} file",
                zip.len()
            ));
        }
        let mut total: u64 = 0;
        for i in 0..zip.len() {
            let entry = zip.by_index_raw(i).map_err(|e| {
                format!("the {kind} is damaged or truncated: entry {i} cannot be read ({e})")
            })?;
            total = total.saturating_add(entry.size());
        }
        if total > MAX_UNCOMPRESSED_BYTES {
            return Err(format!(
                "the {kind} would inflate to {total} bytes; the limit is {MAX_UNCOMPRESSED_BYTES}. It is not an ordinary {kind} file"
            ));
        }
        Ok(Self {
            zip,
            kind,
            budget: MAX_UNCOMPRESSED_BYTES,
        })
    }

    /// The entry names, in archive order (names that are not UTF-8 are skipped: OOXML
    /// part names always are).
    pub fn names(&self) -> Vec<String> {
        self.zip
            .file_names()
            .filter_map(Result::ok)
            .map(|n| n.into_owned())
            .collect()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// Inflates one entry, within the remaining budget. `None` when there is no such entry.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, String> {
        self.read_at_most(name, u64::MAX)
    }

    /// The first `limit` bytes of an entry (for recognising a format cheaply).
    pub fn read_prefix(&mut self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, String> {
        self.read_at_most(name, limit)
    }

    fn read_at_most(&mut self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, String> {
        let kind = self.kind;
        let Some(index) = self.zip.index_for_name(name) else {
            return Ok(None);
        };
        let entry = self.zip.by_index(index).map_err(|e| {
            format!("the {kind} is damaged or truncated: {name} cannot be read ({e})")
        })?;
        let prefix = limit < self.budget;
        let cap = if prefix { limit } else { self.budget };
        let mut raw = Vec::new();
        entry
            .take(cap.saturating_add(1))
            .read_to_end(&mut raw)
            .map_err(|e| {
                format!("the {kind} is damaged or truncated: {name} cannot be inflated ({e})")
            })?;
        if raw.len() as u64 > cap {
            if !prefix {
                return Err(format!(
                    "the {kind} inflates past {MAX_UNCOMPRESSED_BYTES} bytes (at {name}). It is not an ordinary {kind} file"
                ));
            }
            raw.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
        }
        self.budget -= raw.len() as u64;
        Ok(Some(raw))
    }

    /// Inflates every entry without keeping it, checking that the whole archive stays within
    /// the limit and that no entry is damaged. For a container handed to a library that
    /// inflates it again itself (calamine): what was inflated here once within the limit
    /// inflates the same way there.
    pub fn verify_all(&mut self) -> Result<(), String> {
        let kind = self.kind;
        let mut total: u64 = 0;
        for i in 0..self.zip.len() {
            let entry = self.zip.by_index(i).map_err(|e| {
                format!("the {kind} is damaged or truncated: entry {i} cannot be read ({e})")
            })?;
            let name = entry
                .name()
                .map_or_else(|_| format!("entry {i}"), |n| n.into_owned());
            let left = MAX_UNCOMPRESSED_BYTES - total;
            let inflated = std::io::copy(
                &mut entry.take(left.saturating_add(1)),
                &mut std::io::sink(),
            )
            .map_err(|e| {
                format!("the {kind} is damaged or truncated: {name} cannot be inflated ({e})")
            })?;
            total = total.saturating_add(inflated);
            if total > MAX_UNCOMPRESSED_BYTES {
                return Err(format!(
                    "the {kind} inflates past {MAX_UNCOMPRESSED_BYTES} bytes (at {name}). It is not an ordinary {kind} file"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// A ZIP archive of the given entries, deflated, for tests of every container format.
    pub(crate) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut out);
            let options = zip::write::SimpleFileOptions::default();
            for (name, data) in entries {
                let _ = zip.start_file(*name, options);
                let _ = zip.write_all(data);
            }
            let _ = zip.finish();
        }
        out.into_inner()
    }

    #[test]
    fn reads_entries_and_prefixes() -> Result<(), String> {
        let bytes = zip_of(&[("a.xml", b"hello world"), ("b.xml", b"x")]);
        assert!(is_zip(&bytes));
        let mut archive = Archive::open(&bytes, "DOCX")?;
        assert_eq!(archive.names(), ["a.xml", "b.xml"]);
        assert!(archive.contains("b.xml"));
        assert_eq!(archive.read("a.xml")?, Some(b"hello world".to_vec()));
        assert_eq!(archive.read_prefix("a.xml", 5)?, Some(b"hello".to_vec()));
        assert_eq!(archive.read("missing.xml")?, None);
        archive.verify_all()
    }

    #[test]
    fn a_bomb_is_refused_on_its_declared_size() {
        // 65 MiB of zeros deflates to a few dozen KiB: refused on its declared size.
        let zeros = vec![0u8; (MAX_UNCOMPRESSED_BYTES + 1024 * 1024) as usize];
        let bomb = zip_of(&[("word/document.xml", &zeros)]);
        assert!(bomb.len() < 1024 * 1024);
        let message = Archive::open(&bomb, "DOCX").err().unwrap_or_default();
        assert!(message.contains("would inflate to"), "{message}");
    }

    #[test]
    fn sizes_that_lie_are_caught_while_inflating() {
        let zeros = vec![0u8; (MAX_UNCOMPRESSED_BYTES + 1024) as usize];
        let mut bomb = zip_of(&[("a.xml", &zeros)]);
        // Declare 100 bytes in the local and the central header.
        let patch = |bytes: &mut Vec<u8>, signature: &[u8], offset: usize| {
            if let Some(at) = bytes.windows(4).position(|w| w == signature) {
                bytes[at + offset..at + offset + 4].copy_from_slice(&100u32.to_le_bytes());
            }
        };
        patch(&mut bomb, b"PK\x03\x04", 22);
        patch(&mut bomb, b"PK\x01\x02", 24);
        let Ok(mut archive) = Archive::open(&bomb, "DOCX") else {
            return; // refused up front: as good
        };
        assert!(archive.read("a.xml").is_err());
        let Ok(mut archive) = Archive::open(&bomb, "XLSX") else {
            return;
        };
        assert!(archive.verify_all().is_err());
    }

    #[test]
    fn too_many_entries_are_refused() {
        let names: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!("{i}.xml")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        let message = Archive::open(&zip_of(&entries), "XLSX")
            .err()
            .unwrap_or_default();
        assert!(message.contains("10001 entries"), "{message}");
    }

    #[test]
    fn damage_is_reported_not_panicked_on() {
        let bytes = zip_of(&[("a.xml", "some text that deflates ".repeat(50).as_bytes())]);
        // Flip bytes inside the compressed data: the CRC or the inflater notices.
        let mut damaged = bytes.clone();
        for b in damaged.iter_mut().skip(40).take(20) {
            *b ^= 0x5a;
        }
        if let Ok(mut archive) = Archive::open(&damaged, "DOCX") {
            assert!(archive.verify_all().is_err());
        }
        let message = Archive::open(&bytes[..bytes.len() / 2], "DOCX")
            .err()
            .unwrap_or_default();
        assert!(message.contains("damaged or truncated"), "{message}");
    }
}
