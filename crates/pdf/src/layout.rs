//! Layout: blocks become A4 pages of positioned text runs and rules, and a structure tree
//! whose leaves are the runs, in reading order.

use crate::text::Faces;
use crate::{Block, Document};

pub const PAGE_WIDTH: f32 = 595.0;
pub const PAGE_HEIGHT: f32 = 842.0;
pub const MARGIN: f32 = 56.0;
const BODY: f32 = 10.0;
const LEADING: f32 = 1.4;
const CELL_PAD: f32 = 4.0;
const INDENT: f32 = 14.0;
const NUMBER_WIDTH: f32 = 56.0;

/// A structure element of the tag tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Heading(u16, String),
    P,
    L,
    LI,
    Lbl,
    LBody,
    Table,
    TR,
    /// A header cell: for its column (`true`) or its row.
    TH(bool),
    TD,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Group(Kind, Vec<Node>),
    /// The tagged text run with this number.
    Leaf(usize),
}

/// Text at a baseline. `leaf: None` is an artifact (a table header repeated on a new page).
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub bold: bool,
    pub text: String,
    pub leaf: Option<usize>,
}

/// A filled rectangle: table rules and header shading, always an artifact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shade {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    pub gray: u8,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Page {
    pub runs: Vec<Run>,
    pub shades: Vec<Shade>,
}

pub struct Laid {
    pub pages: Vec<Page>,
    pub tree: Vec<Node>,
    /// Headings for the outline: text, page and top.
    pub outline: Vec<(String, usize, f32)>,
    pub leaves: usize,
}

struct Cursor<'a> {
    faces: &'a Faces,
    pages: Vec<Page>,
    y: f32,
    leaves: usize,
}

impl Cursor<'_> {
    fn bottom() -> f32 {
        PAGE_HEIGHT - MARGIN
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = MARGIN;
    }

    /// Starts a new page unless `height` more fits on this one (or this one is empty).
    fn make_room(&mut self, height: f32) -> bool {
        if self.y + height > Self::bottom() && self.y > MARGIN {
            self.new_page();
            return true;
        }
        false
    }

    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a page is open")
    }

    fn run(&mut self, x: f32, baseline: f32, size: f32, bold: bool, text: String, tagged: bool) -> Option<usize> {
        let leaf = tagged.then(|| {
            self.leaves += 1;
            self.leaves - 1
        });
        self.page().runs.push(Run { x, y: baseline, size, bold, text, leaf });
        leaf
    }

    /// Wrapped text from the cursor down, a new page wherever a line does not fit.
    fn lines(&mut self, text: &str, size: f32, bold: bool, x: f32, width: f32) -> Vec<Node> {
        let line_height = size * LEADING;
        let mut leaves = Vec::new();
        for line in self.faces.get(bold).wrap(text, size, width) {
            self.make_room(line_height);
            let baseline = self.y + size;
            leaves.extend(self.run(x, baseline, size, bold, line, true).map(Node::Leaf));
            self.y += line_height;
        }
        leaves
    }

    fn heading(&mut self, level: u16, text: &str, outline: &mut Vec<(String, usize, f32)>) -> Node {
        let size = match level {
            1 => 18.0,
            2 => 14.0,
            _ => 12.0,
        };
        if self.y > MARGIN {
            self.y += size * 0.8;
        }
        // A heading is kept with a few lines of what follows it.
        self.make_room(size * LEADING + 4.0 * BODY * LEADING);
        outline.push((text.to_owned(), self.pages.len() - 1, self.y));
        let leaves = self.lines(text, size, true, MARGIN, PAGE_WIDTH - 2.0 * MARGIN);
        self.y += size * 0.3;
        Node::Group(Kind::Heading(level, text.to_owned()), leaves)
    }

    fn paragraph(&mut self, text: &str) -> Node {
        let leaves = self.lines(text, BODY, false, MARGIN, PAGE_WIDTH - 2.0 * MARGIN);
        self.y += BODY * 0.6;
        Node::Group(Kind::P, leaves)
    }

    fn list(&mut self, items: &[String]) -> Node {
        let mut children = Vec::new();
        for item in items {
            self.make_room(BODY * LEADING);
            let label = self.run(MARGIN, self.y + BODY, BODY, false, "•".into(), true).map(Node::Leaf);
            let body = self.lines(item, BODY, false, MARGIN + INDENT, PAGE_WIDTH - 2.0 * MARGIN - INDENT);
            children.push(Node::Group(
                Kind::LI,
                vec![Node::Group(Kind::Lbl, label.into_iter().collect()), Node::Group(Kind::LBody, body)],
            ));
        }
        self.y += BODY * 0.6;
        Node::Group(Kind::L, children)
    }

    /// Column widths: each column as wide as its widest cell when the table fits; otherwise
    /// every column keeps its longest word whole and the room left goes to the columns in
    /// proportion to what they lack.
    fn widths(&self, columns: &[String], rows: &[Vec<String>]) -> Vec<f32> {
        let available = PAGE_WIDTH - 2.0 * MARGIN;
        let pad = 2.0 * CELL_PAD + 1.0;
        let mut natural: Vec<f32> = columns.iter().map(|c| self.faces.bold.width(c, BODY) + pad).collect();
        let word = |bold: bool, text: &str| {
            text.split(' ').map(|w| self.faces.get(bold).width(w, BODY)).fold(0.0, f32::max) + pad
        };
        let mut least: Vec<f32> = columns.iter().map(|c| word(true, c)).collect();
        for row in rows {
            for (i, cell) in row.iter().enumerate().take(columns.len()) {
                natural[i] = natural[i].max(self.faces.regular.width(cell, BODY) + pad);
                least[i] = least[i].max(word(false, cell));
            }
        }
        // Numbers get room to breathe.
        natural.iter_mut().skip(1).for_each(|w| *w = w.max(NUMBER_WIDTH));
        let total: f32 = natural.iter().sum();
        if total <= available {
            return natural;
        }
        let floor: f32 = least.iter().sum();
        if floor >= available {
            return least.iter().map(|w| w * available / floor).collect();
        }
        let lacking = total - floor;
        least.iter().zip(&natural).map(|(l, n)| l + (n - l) * (available - floor) / lacking).collect()
    }

    /// A row's cells wrapped to their columns, and the row's height.
    fn wrap_row(&self, cells: &[String], widths: &[f32], header: bool) -> (Vec<Vec<String>>, f32) {
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .zip(widths)
            .map(|(cell, w)| {
                self.faces.get(header).wrap(if cell.is_empty() { " " } else { cell }, BODY, w - 2.0 * CELL_PAD)
            })
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1) as f32 * BODY * LEADING + 2.0 * CELL_PAD;
        (wrapped, height)
    }

    /// One wrapped row at the cursor: the first column (and every header) left, numbers right.
    /// Returns each cell's leaves (none when `tagged` is false: an artifact row).
    fn row(
        &mut self,
        (wrapped, height): (Vec<Vec<String>>, f32),
        widths: &[f32],
        header: bool,
        tagged: bool,
    ) -> Vec<Vec<Node>> {
        let top = self.y;
        let total: f32 = widths.iter().sum();
        let gray = if header { 225 } else { 255 };
        self.page().shades.push(Shade { x: MARGIN, y: top, w: total, h: height, gray });
        self.page().shades.push(Shade { x: MARGIN, y: top + height - 0.5, w: total, h: 0.5, gray: 110 });
        let mut x = MARGIN;
        let mut out = Vec::new();
        for (i, (lines, w)) in wrapped.into_iter().zip(widths).enumerate() {
            let mut leaves = Vec::new();
            for (n, line) in lines.into_iter().enumerate() {
                let baseline = top + CELL_PAD + BODY + n as f32 * BODY * LEADING;
                let right = i > 0;
                let lx = if right {
                    x + w - CELL_PAD - self.faces.get(header).width(line.trim_end(), BODY)
                } else {
                    x + CELL_PAD
                };
                leaves.extend(self.run(lx, baseline, BODY, header, line, tagged).map(Node::Leaf));
            }
            out.push(leaves);
            x += w;
        }
        self.y += height;
        out
    }

    fn table(&mut self, columns: &[String], rows: &[Vec<String>]) -> Node {
        let widths = self.widths(columns, rows);
        let header_height = BODY * LEADING * 2.0 + 2.0 * CELL_PAD;
        self.make_room(header_height * 2.0);
        let cells = |leaves: Vec<Vec<Node>>, kind: fn(usize) -> Kind| {
            leaves.into_iter().enumerate().map(|(i, l)| Node::Group(kind(i), l)).collect::<Vec<_>>()
        };
        let head = self.wrap_row(columns, &widths, true);
        let drawn = self.row(head.clone(), &widths, true, true);
        let mut children = vec![Node::Group(Kind::TR, cells(drawn, |_| Kind::TH(true)))];
        for row in rows {
            let wrapped = self.wrap_row(row, &widths, false);
            if self.make_room(wrapped.1) {
                // The header again on the new page, for the eye only.
                self.row(head.clone(), &widths, true, false);
            }
            let drawn = self.row(wrapped, &widths, false, true);
            children.push(Node::Group(Kind::TR, cells(drawn, |i| if i == 0 { Kind::TH(false) } else { Kind::TD })));
        }
        self.y += BODY;
        Node::Group(Kind::Table, children)
    }
}

pub fn lay_out(document: &Document, faces: &Faces) -> Laid {
    let mut cursor = Cursor { faces, pages: Vec::new(), y: MARGIN, leaves: 0 };
    cursor.new_page();
    let mut outline = Vec::new();
    let mut tree = Vec::new();
    for block in &document.blocks {
        tree.push(match block {
            Block::Heading(level, text) => cursor.heading((*level).clamp(1, 6), text, &mut outline),
            Block::Paragraph(text) => cursor.paragraph(text),
            Block::List(items) => cursor.list(items),
            Block::Table { columns, rows } => cursor.table(columns, rows),
        });
    }
    Laid { pages: cursor.pages, tree, outline, leaves: cursor.leaves }
}
