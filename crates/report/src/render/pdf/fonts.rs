//! The fonts the PDF embeds (subset to the glyphs used): DejaVu Sans, shipped in the
//! crate's fonts/ folder (Bitstream Vera licence, see fonts/LICENSE-DejaVu.txt). It covers
//! Latin, Cyrillic and Arabic — the scripts of English, French, Spanish, Russian and
//! Arabic. Chinese is not covered.

use std::collections::HashMap;

pub static REGULAR: &[u8] = include_bytes!("../../../fonts/DejaVuSans.ttf");
pub static BOLD: &[u8] = include_bytes!("../../../fonts/DejaVuSans-Bold.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Face {
    Regular,
    Bold,
}

/// Text widths from the fonts' advance widths, cached per character. Kerning and
/// contextual forms are left out: line breaking needs an estimate that never overflows
/// by much, not the exact shaped width.
pub struct Metrics {
    faces: [(rustybuzz::Face<'static>, f32); 2],
    cache: HashMap<(Face, char), f32>,
}

impl Metrics {
    pub fn new() -> Option<Self> {
        let load = |data: &'static [u8]| {
            rustybuzz::Face::from_slice(data, 0).map(|f| {
                let upem = f.units_per_em().max(1) as f32;
                (f, upem)
            })
        };
        Some(Self {
            faces: [load(REGULAR)?, load(BOLD)?],
            cache: HashMap::new(),
        })
    }

    fn face(&self, face: Face) -> &(rustybuzz::Face<'static>, f32) {
        match face {
            Face::Regular => &self.faces[0],
            Face::Bold => &self.faces[1],
        }
    }

    /// Whether the face has a glyph for every character of `text`.
    pub fn covers(&self, face: Face, text: &str) -> bool {
        let (f, _) = self.face(face);
        text.chars()
            .all(|c| c.is_whitespace() || f.glyph_index(c).is_some())
    }

    /// Width of `text` at `size` points.
    pub fn width(&mut self, face: Face, size: f32, text: &str) -> f32 {
        let mut units = 0.0;
        for c in text.chars() {
            let w = match self.cache.get(&(face, c)) {
                Some(w) => *w,
                None => {
                    let (f, upem) = self.face(face);
                    let advance = f
                        .glyph_index(c)
                        .or_else(|| f.glyph_index('?'))
                        .and_then(|g| f.glyph_hor_advance(g))
                        .map_or(0.5, |a| f32::from(a) / upem);
                    self.cache.insert((face, c), advance);
                    advance
                }
            };
            units += w;
        }
        units * size
    }
}
