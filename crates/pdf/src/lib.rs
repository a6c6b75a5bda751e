//! Tagged PDF for the papers a nämnd reads: a document of headings, paragraphs, lists and
//! tables becomes a PDF/UA-1 file (tag tree in reading order, language, title, outline,
//! embedded fonts, page furniture marked as artifacts) that a screen reader reads as well as
//! the HTML page it came from.

mod layout;
mod text;
mod write;

/// A document: its title (shown by readers instead of the file name), its language (BCP 47,
/// e.g. `sv`) and its content in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub title: String,
    pub lang: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading, level 1 to 6.
    Heading(u16, String),
    Paragraph(String),
    /// A bulleted list.
    List(Vec<String>),
    /// A table with one header row; each row's first cell heads that row.
    Table {
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// The document as PDF/UA-1 bytes.
pub fn render(document: &Document) -> Result<Vec<u8>, Error> {
    let faces = text::Faces::load();
    let laid = layout::lay_out(document, &faces);
    write::write(document, &faces, &laid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(rows: usize) -> Document {
        Document {
            title: "Rapport: Vård- och omsorgsnämnden".into(),
            lang: "sv".into(),
            blocks: vec![
                Block::Heading(1, "Rapport".into()),
                Block::Paragraph(
                    "Synpunkter och klagomål, år 2026 jämfört med 2025. Åtgärder för äldreomsorgen.".into(),
                ),
                Block::Heading(2, "Ärenden per kategori".into()),
                Block::Table {
                    columns: vec!["Grupp".into(), "2026".into(), "2025".into()],
                    rows: (0..rows)
                        .map(|i| vec![format!("Kategori {i}"), i.to_string(), (i * 2).to_string()])
                        .collect(),
                },
                Block::List(vec!["Första exemplet".into(), "Andra exemplet".into()]),
            ],
        }
    }

    #[test]
    fn a_document_becomes_a_tagged_pdf_ua_file_with_its_title() {
        let bytes = render(&sample(3)).expect("renders");
        let text = String::from_utf8_lossy(&bytes);
        assert!(bytes.starts_with(b"%PDF-1.7"));
        assert!(text.contains("/StructTreeRoot"), "tagged");
        assert!(text.contains("/MarkInfo"), "marked");
        assert!(text.contains("pdfuaid:part>1<"), "declares PDF/UA-1");
        assert!(text.contains("Vård- och omsorgsnämnden"), "title in the metadata");
    }

    #[test]
    fn a_long_table_runs_over_several_pages_in_one_table() {
        let faces = text::Faces::load();
        let laid = layout::lay_out(&sample(200), &faces);
        assert!(laid.pages.len() > 2, "{} pages", laid.pages.len());
        let tables = laid.tree.iter().filter(|n| matches!(n, layout::Node::Group(layout::Kind::Table, _))).count();
        assert_eq!(tables, 1);
        render(&sample(200)).expect("a long table renders");
    }
}
