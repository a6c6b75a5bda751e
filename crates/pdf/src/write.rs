//! Writing: the laid-out pages through krilla with the PDF/UA-1 validator on, every run tagged
//! into the structure tree and everything else (rules, shading, page numbers) an artifact.

use std::num::NonZeroU16;

use krilla::color::rgb;
use krilla::configure::{Accessibility, ConfigurationBuilder};
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, ListNumbering, SpanTag, TableHeaderScope, Tag, TagGroup, TagKind,
    TagTree,
};
use krilla::{Document as Pdf, SerializeSettings};

use crate::layout::{Kind, Laid, MARGIN, Node, PAGE_HEIGHT, PAGE_WIDTH, Run};
use crate::text::Faces;
use crate::{Document, Error};

fn text(surface: &mut Surface, faces: &Faces, run: &Run) {
    let face = faces.get(run.bold);
    let glyphs = face.glyphs(&run.text);
    surface.draw_glyphs(Point::from_xy(run.x, run.y), &glyphs, face.font.clone(), &run.text, run.size, false);
}

fn artifact(surface: &mut Surface, kind: ArtifactType, draw: impl FnOnce(&mut Surface)) {
    surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(kind)));
    draw(surface);
    surface.end_tagged();
}

fn kind(kind: &Kind) -> TagKind {
    match kind {
        Kind::Heading(level, title) => {
            Tag::Hn(NonZeroU16::new(*level).unwrap_or(NonZeroU16::MIN), Some(title.clone())).into()
        }
        Kind::P => Tag::P.into(),
        Kind::L => Tag::L(ListNumbering::Disc).into(),
        Kind::LI => Tag::LI.into(),
        Kind::Lbl => Tag::Lbl.into(),
        Kind::LBody => Tag::LBody.into(),
        Kind::Table => Tag::Table.into(),
        Kind::TR => Tag::TR.into(),
        Kind::TH(true) => Tag::TH(TableHeaderScope::Column).into(),
        Kind::TH(false) => Tag::TH(TableHeaderScope::Row).into(),
        Kind::TD => Tag::TD.into(),
    }
}

fn group(node: &Node, ids: &mut [Option<Identifier>]) -> Option<krilla::tagging::Node> {
    match node {
        Node::Leaf(leaf) => ids[*leaf].take().map(Into::into),
        Node::Group(k, children) => {
            let children = children.iter().filter_map(|c| group(c, ids)).collect();
            Some(TagGroup::with_children(kind(k), children).into())
        }
    }
}

pub fn write(document: &Document, faces: &Faces, laid: &Laid) -> Result<Vec<u8>, Error> {
    let configuration = ConfigurationBuilder::new()
        .with_accessibility_validator(Accessibility::UA1)
        .finish()
        .map_err(|e| Error::Write(format!("{e:?}")))?;
    let settings = SerializeSettings { configuration, enable_tagging: true, ..SerializeSettings::default() };
    let mut pdf = Pdf::new_with(settings);
    let mut ids: Vec<Option<Identifier>> = (0..laid.leaves).map(|_| None).collect();
    let count = laid.pages.len();
    for (number, page) in laid.pages.iter().enumerate() {
        let size = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).expect("A4 is a valid size");
        let mut pdf_page = pdf.start_page_with(size);
        let mut surface = pdf_page.surface();
        for shade in &page.shades {
            let Some(rect) = Rect::from_xywh(shade.x, shade.y, shade.w, shade.h) else { continue };
            artifact(&mut surface, ArtifactType::Layout, |s| {
                let mut path = PathBuilder::new();
                path.push_rect(rect);
                if let Some(path) = path.finish() {
                    let gray = shade.gray;
                    s.set_fill(Some(Fill { paint: rgb::Color::new(gray, gray, gray).into(), ..Fill::default() }));
                    s.draw_path(&path);
                    s.set_fill(None);
                }
            });
        }
        for run in &page.runs {
            match run.leaf {
                Some(leaf) => {
                    ids[leaf] = Some(surface.start_tagged(ContentTag::Span(SpanTag::empty())));
                    text(&mut surface, faces, run);
                    surface.end_tagged();
                }
                None => artifact(&mut surface, ArtifactType::PaginationOther, |s| text(s, faces, run)),
            }
        }
        let folio = format!("{} / {count}", number + 1);
        let x = PAGE_WIDTH - MARGIN - faces.regular.width(&folio, 9.0);
        let run = Run { x, y: PAGE_HEIGHT - MARGIN / 2.0, size: 9.0, bold: false, text: folio, leaf: None };
        artifact(&mut surface, ArtifactType::PageNumber, |s| text(s, faces, &run));
        surface.finish();
        pdf_page.finish();
    }
    let mut tree = TagTree::new().with_lang(Some(document.lang.clone()));
    for node in &laid.tree {
        if let Some(node) = group(node, &mut ids) {
            tree.push(node);
        }
    }
    pdf.set_tag_tree(tree);
    let mut outline = Outline::new();
    for (heading, page, top) in &laid.outline {
        outline.push_child(OutlineNode::new(heading.clone(), XyzDestination::new(*page, Point::from_xy(MARGIN, *top))));
    }
    pdf.set_outline(outline);
    pdf.set_metadata(
        Metadata::new().title(document.title.clone()).language(document.lang.clone()).creator("Lyhörd".into()),
    );
    pdf.finish().map_err(|e| Error::Write(format!("{e:?}")))
}
