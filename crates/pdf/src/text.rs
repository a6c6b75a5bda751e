//! Fonts and text: DejaVu Sans (embedded, covers Swedish and most of Europe), glyphs and
//! widths read from the font itself, and lines wrapped at spaces to a width.

use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};

/// One face: the font for the PDF and its metrics for layout.
pub struct Face {
    pub font: Font,
    data: &'static [u8],
    units_per_em: f32,
}

pub struct Faces {
    pub regular: Face,
    pub bold: Face,
}

impl Faces {
    pub fn load() -> Faces {
        Faces { regular: Face::new(dejavu::sans::regular()), bold: Face::new(dejavu::sans::bold()) }
    }

    pub fn get(&self, bold: bool) -> &Face {
        if bold { &self.bold } else { &self.regular }
    }
}

impl Face {
    fn new(data: &'static [u8]) -> Face {
        let font = Font::new(data.into(), 0).expect("DejaVu Sans is a valid font");
        let units_per_em = skrifa::FontRef::new(data)
            .map(|f| f.metrics(Size::unscaled(), LocationRef::default()).units_per_em)
            .expect("DejaVu Sans has metrics") as f32;
        Face { font, data, units_per_em }
    }

    fn font_ref(&self) -> skrifa::FontRef<'static> {
        skrifa::FontRef::new(self.data).expect("DejaVu Sans parses")
    }

    /// The glyphs of `text`, one per character, advances in ems.
    pub fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        let font = self.font_ref();
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::unscaled(), LocationRef::default());
        text.char_indices()
            .map(|(at, c)| {
                let id = charmap.map(c).unwrap_or_default();
                let advance = metrics.advance_width(id).unwrap_or_default() / self.units_per_em;
                KrillaGlyph::new(GlyphId::new(id.to_u32()), advance, 0.0, 0.0, 0.0, at..at + c.len_utf8(), None)
            })
            .collect()
    }

    /// The width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let font = self.font_ref();
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::unscaled(), LocationRef::default());
        text.chars().map(|c| metrics.advance_width(charmap.map(c).unwrap_or_default()).unwrap_or_default()).sum::<f32>()
            / self.units_per_em
            * size
    }

    /// `text` in lines no wider than `width`, broken at spaces (a word wider than the line is
    /// broken where it must). Each line but the last keeps its space, so that text taken out
    /// of the PDF has its words apart.
    pub fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_inclusive(' ') {
            if !line.is_empty() && self.width(line.trim_end(), size) + self.width(word.trim_end(), size) > width {
                lines.push(std::mem::take(&mut line));
            }
            if line.is_empty() && self.width(word.trim_end(), size) > width {
                for c in word.chars() {
                    let mut longer = line.clone();
                    longer.push(c);
                    if !line.is_empty() && self.width(&longer, size) > width {
                        lines.push(std::mem::take(&mut line));
                    }
                    line.push(c);
                }
            } else {
                line.push_str(word);
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wrap_at_spaces_within_the_width_and_keep_every_word() {
        let faces = Faces::load();
        let text = "Synpunkter från invånare är värdefulla och ska vara lätta att lämna";
        let lines = faces.regular.wrap(text, 10.0, 120.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| faces.regular.width(l.trim_end(), 10.0) <= 120.0), "{lines:?}");
        assert_eq!(lines.concat(), text);
    }

    #[test]
    fn a_word_longer_than_the_line_is_broken() {
        let faces = Faces::load();
        let lines = faces.regular.wrap("Medborgardialogsredovisningsunderlag", 10.0, 50.0);
        assert!(lines.len() > 2);
        assert_eq!(lines.concat(), "Medborgardialogsredovisningsunderlag");
    }

    #[test]
    fn swedish_letters_have_glyphs_and_bold_is_wider() {
        let faces = Faces::load();
        assert!(faces.regular.glyphs("åäöÅÄÖé").iter().all(|g| g.glyph_id.to_u32() != 0));
        assert!(faces.bold.width("Åtgärder", 10.0) > faces.regular.width("Åtgärder", 10.0));
    }
}
