//! PDF with krilla: selectable, searchable text in embedded subset fonts, page numbers
//! ("Page 3 of 12"), document title and language in the metadata.

mod fonts;
mod layout;

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

use crate::document::Document;
use crate::ReportError;
use fonts::{Face, Metrics};
use layout::{Layout, Op, MARGIN, PAGE_H, PAGE_W};

pub fn render(doc: &Document) -> Result<Vec<u8>, ReportError> {
    let fail = |what: &str| ReportError::render("PDF", what);
    let mut metrics = Metrics::new().ok_or_else(|| fail("the bundled font cannot be read"))?;
    let pages = Layout::new(&mut metrics).document(doc);

    let regular = Font::new(fonts::REGULAR.into(), 0)
        .ok_or_else(|| fail("the bundled font cannot be read"))?;
    let bold =
        Font::new(fonts::BOLD.into(), 0).ok_or_else(|| fail("the bundled font cannot be read"))?;
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| fail("invalid page size"))?;
    let w = doc.lang.words();

    let mut pdf = krilla::Document::new();
    pdf.set_metadata(
        Metadata::new()
            .title(format!("{} — {}", doc.title, doc.subtitle))
            .language(doc.lang.code().to_string())
            .creator("rightstrack".to_string()),
    );
    let total = pages.len();
    for (n, ops) in pages.iter().enumerate() {
        let mut page = pdf.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            draw(&mut surface, op, &regular, &bold);
        }
        let footer = format!("{} {} {} {total}", w.page, n + 1, w.of);
        let width = metrics.width(Face::Regular, 8.0, &footer);
        surface.draw_text(
            Point::from_xy((PAGE_W - width) / 2.0, PAGE_H - MARGIN / 2.0),
            regular.clone(),
            8.0,
            &footer,
            false,
            TextDirection::LeftToRight,
        );
        surface.finish();
        page.finish();
    }
    pdf.finish()
        .map_err(|e| ReportError::render("PDF", format!("{e:?}")))
}

fn draw(surface: &mut Surface<'_>, op: &Op, regular: &Font, bold: &Font) {
    match op {
        Op::Text {
            x,
            y,
            face,
            size,
            text,
            rtl,
        } => {
            let font = match face {
                Face::Regular => regular.clone(),
                Face::Bold => bold.clone(),
            };
            let direction = if *rtl {
                TextDirection::RightToLeft
            } else {
                TextDirection::LeftToRight
            };
            surface.draw_text(Point::from_xy(*x, *y), font, *size, text, false, direction);
        }
        Op::Rect { x, y, w, h, gray } => {
            let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else {
                return;
            };
            let mut path = PathBuilder::new();
            path.push_rect(rect);
            let Some(path) = path.finish() else {
                return;
            };
            let color = if *gray {
                rgb::Color::new(232, 236, 241)
            } else {
                rgb::Color::new(43, 108, 176)
            };
            surface.set_fill(Some(Fill {
                paint: color.into(),
                opacity: NormalizedF32::ONE,
                rule: Default::default(),
            }));
            surface.draw_path(&path);
            surface.set_fill(None);
        }
        Op::Rule { x, y, w } => {
            let mut path = PathBuilder::new();
            path.move_to(*x, *y);
            path.line_to(x + w, *y);
            let Some(path) = path.finish() else {
                return;
            };
            surface.set_fill(None);
            surface.set_stroke(Some(Stroke {
                paint: rgb::Color::new(160, 174, 192).into(),
                width: 0.5,
                ..Default::default()
            }));
            surface.draw_path(&path);
            surface.set_stroke(None);
        }
    }
}
