//! A report as people read it: tables with their numbers written out (hidden groups named as
//! such), as HTML (a page's body or a document of its own), tagged PDF, or CSV for Swedish
//! Excel. The HTML is written here, escaped by `markup::escape`, so the pages and the command
//! line show the same markup.

use std::fmt::Write;

use super::{Line, Report, chart};
use crate::lang::Lang;
use crate::markup::escape;

/// One table of the report.
pub struct Table {
    pub id: &'static str,
    pub heading: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The same numbers as a bar chart (SVG with its text alternative), for volumes.
    pub chart: Option<String>,
}

/// The report's tables and lists, every number written out.
pub struct ReportView {
    pub title: String,
    pub unit: String,
    pub period: String,
    pub intro: String,
    pub tables: Vec<Table>,
    pub actions: Vec<(String, String)>,
    pub examples: Vec<String>,
    /// Staff's examples belong to the staff report, not to the open statistics.
    pub show_examples: bool,
    pub routines: Vec<(String, String)>,
}

fn number(n: Option<i64>, report: &Report, lang: Lang) -> String {
    n.map_or_else(|| lang.t1("report-hidden", "min", &report.min_group.to_string()), |n| n.to_string())
}

fn volume_table(id: &'static str, heading: String, lines: &[Line], report: &Report, lang: Lang) -> Table {
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| vec![l.label.clone(), number(l.current, report, lang), number(l.previous, report, lang)])
        .collect();
    let (now, before) = (report.period.to_string(), report.previous.to_string());
    // The text alternative says what the bars show, group by group.
    let alt = rows
        .iter()
        .map(|r| {
            lang.t_with(
                "report-chart-line",
                &[("group", r[0].clone()), ("now", r[1].clone()), ("before", r[2].clone())],
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let bars: Vec<chart::Bar<'_>> =
        lines.iter().map(|l| chart::Bar { label: &l.label, current: l.current, previous: l.previous }).collect();
    let chart = (lines.len() > 1).then(|| chart::bars(id, &heading, &alt, &bars, (&now, &before)));
    Table { id, heading, columns: vec![lang.t("report-group"), now, before], rows, chart }
}

impl ReportView {
    pub fn of(report: &Report, lang: Lang) -> ReportView {
        let vol = |id, key: &str, lines: &[Line]| volume_table(id, lang.t(key), lines, report, lang);
        let dash = || "–".to_owned();
        let clocks = Table {
            id: "clocks",
            heading: lang.t("report-clocks"),
            columns: [
                "report-promise",
                "report-met",
                "report-breached",
                "report-open",
                "report-share-met",
                "report-median",
                "report-p90",
            ]
            .iter()
            .map(|k| lang.t(k))
            .collect(),
            rows: report
                .clocks
                .iter()
                .map(|c| {
                    let hidden = |n: i64| domain::analysis::shown(n, report.min_group);
                    vec![
                        format!("{} ({})", c.name, domain::alerts::label(&c.id)),
                        number(hidden(c.met), report, lang),
                        number(hidden(c.breached), report, lang),
                        number(hidden(c.open), report, lang),
                        c.share_met.map_or_else(dash, |s| format!("{} %", lang.decimal(s))),
                        c.median_hours.map_or_else(dash, |h| format!("{} h", lang.decimal(h))),
                        c.p90_hours.map_or_else(dash, |h| format!("{} h", lang.decimal(h))),
                    ]
                })
                .collect(),
            chart: None,
        };
        // The justified share closes the table of assessments (its chart shows the counts).
        let mut justified = vol("justified", "report-justified", &report.justified);
        let share = |s: Option<f64>| s.map_or_else(dash, |s| format!("{} %", lang.decimal(s)));
        justified.rows.push(vec![
            lang.t("report-justified-share"),
            share(report.justified_share.0),
            share(report.justified_share.1),
        ]);
        let mut breaches = vol("breaches", "report-breaches-by-unit", &report.breaches_by_unit);
        breaches.columns.truncate(2);
        breaches.rows.iter_mut().for_each(|r| r.truncate(2));
        ReportView {
            title: lang.t("report-title"),
            unit: report.unit.clone(),
            period: lang.t_with(
                "report-period",
                &[("period", report.period.to_string()), ("previous", report.previous.to_string())],
            ),
            intro: lang.t1("report-intro", "min", &report.min_group.to_string()),
            tables: vec![
                vol("total", "report-total-heading", std::slice::from_ref(&report.total)),
                vol("kinds", "report-by-kind", &report.by_kind),
                vol("categories", "report-by-category", &report.by_category),
                vol("channels", "report-by-channel", &report.by_channel),
                vol("roles", "report-by-role", &report.by_role),
                clocks,
                breaches,
                justified,
                vol("causes", "report-causes", &report.causes),
            ],
            actions: vec![
                (lang.t("report-actions-opened"), report.actions.opened.to_string()),
                (lang.t("report-actions-done"), report.actions.done.to_string()),
                (lang.t("report-actions-overdue"), report.actions.overdue.to_string()),
            ],
            examples: report.examples.clone(),
            show_examples: true,
            routines: report.routines.clone(),
        }
    }

    /// The report as an HTML document of its own (the command line's and the download's).
    pub fn html(&self, lang: Lang) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}: {}</title>\n<style>\n{DOCUMENT_STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n{}</main>\n</body>\n</html>\n",
            lang.code(),
            escape(&self.title),
            escape(&self.unit),
            escape(&self.title),
            self.body_html(lang)
        )
    }

    /// The report's body as HTML, under a heading the caller writes: its tables (each with
    /// its chart), the improvement actions, staff's examples and the routines.
    pub fn body_html(&self, lang: Lang) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "<p class=\"lead\">{}. {}</p>", escape(&self.unit), escape(&self.period));
        let _ = writeln!(out, "<p>{}</p>", escape(&self.intro));
        for t in &self.tables {
            let _ = writeln!(out, "<h2 id=\"report-{}\">{}</h2>", t.id, escape(&t.heading));
            if let Some(svg) = &t.chart {
                // Drawn by `chart::bars`, which escapes every text it writes.
                let _ = writeln!(out, "<figure class=\"chart\">{svg}</figure>");
            }
            if t.rows.is_empty() {
                let _ = writeln!(out, "<p>{}</p>", escape(&lang.t("report-nothing")));
                continue;
            }
            let _ = write!(
                out,
                "<div class=\"table-scroll\" role=\"region\" aria-labelledby=\"report-{}\" tabindex=\"0\">\n<table>\n  <thead><tr>",
                t.id
            );
            for c in &t.columns {
                let _ = write!(out, "<th scope=\"col\">{}</th>", escape(c));
            }
            out.push_str("</tr></thead>\n  <tbody>\n");
            for row in &t.rows {
                out.push_str("  <tr>");
                for (i, cell) in row.iter().enumerate() {
                    let _ = if i == 0 {
                        write!(out, "<th scope=\"row\">{}</th>", escape(cell))
                    } else {
                        write!(out, "<td>{}</td>", escape(cell))
                    };
                }
                out.push_str("</tr>\n");
            }
            out.push_str("  </tbody>\n</table>\n</div>\n");
        }
        let _ = writeln!(out, "<h2 id=\"report-actions\">{}</h2>", escape(&lang.t("report-actions")));
        out.push_str("<dl class=\"case-facts\">");
        for (label, value) in &self.actions {
            let _ = write!(out, "<div><dt>{}</dt><dd>{}</dd></div>", escape(label), escape(value));
        }
        out.push_str("</dl>\n");
        if self.show_examples {
            let _ = writeln!(out, "<h2 id=\"report-examples\">{}</h2>", escape(&lang.t("report-examples")));
            list(&mut out, &self.examples, || lang.t("report-no-examples"), |e| escape(e));
        }
        if !self.routines.is_empty() {
            let _ = writeln!(out, "<h2 id=\"report-routines\">{}</h2>", escape(&lang.t("report-routines")));
            list(&mut out, &self.routines, String::new, |(name, href)| {
                format!("<a href=\"{}\">{}</a>", escape(href), escape(name))
            });
        }
        out
    }

    /// The report as tagged PDF (PDF/UA-1) for the nämnd's meeting papers. Links to the
    /// routines are written out in full from `public_url`, as paper has no base address.
    pub fn pdf(&self, lang: Lang, public_url: &str) -> Result<Vec<u8>, pdf::Error> {
        use pdf::Block;
        let mut blocks = vec![
            Block::Heading(1, self.title.clone()),
            Block::Paragraph(format!("{}. {}", self.unit, self.period)),
            Block::Paragraph(self.intro.clone()),
        ];
        for table in &self.tables {
            blocks.push(Block::Heading(2, table.heading.clone()));
            blocks.push(if table.rows.is_empty() {
                Block::Paragraph(lang.t("report-nothing"))
            } else {
                Block::Table { columns: table.columns.clone(), rows: table.rows.clone() }
            });
        }
        blocks.push(Block::Heading(2, lang.t("report-actions")));
        blocks.push(Block::List(self.actions.iter().map(|(label, value)| format!("{label}: {value}")).collect()));
        if self.show_examples {
            blocks.push(Block::Heading(2, lang.t("report-examples")));
            blocks.push(if self.examples.is_empty() {
                Block::Paragraph(lang.t("report-no-examples"))
            } else {
                Block::List(self.examples.clone())
            });
        }
        if !self.routines.is_empty() {
            let base = public_url.trim_end_matches('/');
            blocks.push(Block::Heading(2, lang.t("report-routines")));
            blocks
                .push(Block::List(self.routines.iter().map(|(name, path)| format!("{name}: {base}{path}")).collect()));
        }
        pdf::render(&pdf::Document {
            title: format!("{}: {}", self.title, self.unit),
            lang: lang.code().to_owned(),
            blocks,
        })
    }

    /// CSV as Swedish Excel opens it (see [`csv_of`]).
    pub fn csv(&self) -> String {
        let mut rows = vec![vec![self.title.clone(), self.unit.clone(), self.period.clone()]];
        for table in &self.tables {
            rows.push(Vec::new());
            let mut header = vec![table.heading.clone()];
            header.extend(table.columns.iter().cloned());
            rows.push(header);
            for row in &table.rows {
                let mut cells = vec![table.heading.clone()];
                cells.extend(row.iter().cloned());
                rows.push(cells);
            }
        }
        rows.push(Vec::new());
        rows.extend(self.actions.iter().map(|(label, value)| vec![label.clone(), value.clone()]));
        csv_of(&rows)
    }
}

/// Rows as CSV that Swedish Excel opens: UTF-8 with a byte-order mark, `;` between fields,
/// CRLF line ends, and no cell a spreadsheet would run as a formula.
pub fn csv_of(rows: &[Vec<String>]) -> String {
    let field = |s: &str| {
        let s = defused(s);
        if s.contains([';', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
    };
    let mut out = String::from("\u{feff}");
    for cells in rows {
        out.push_str(&cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(";"));
        out.push_str("\r\n");
    }
    out
}

/// A cell a spreadsheet will not run as a formula: text that starts with `=`, `+`, `-`, `@`,
/// a tab or a carriage return gets a leading `'` (OWASP's advice); a number stays a number.
fn defused(cell: &str) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number =
        cell.trim_start_matches(['-', '+']).chars().all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | ' '))
            && cell.chars().any(|c| c.is_ascii_digit());
    if risky && !number { format!("'{cell}") } else { cell.to_owned() }
}

/// How the document of its own looks without the site's style sheet.
const DOCUMENT_STYLE: &str = "body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; \
    padding: 0 1rem; line-height: 1.5; color: #1b1b1b; }\n\
    table { border-collapse: collapse; margin-bottom: 1rem; }\n\
    th, td { border: 1px solid #6b6b6b; padding: .25rem .5rem; text-align: left; }\n\
    td { text-align: right; }\n";

/// A list of `items` (each written by `item`), or the paragraph `empty` says when there are none.
fn list<T>(out: &mut String, items: &[T], empty: impl Fn() -> String, item: impl Fn(&T) -> String) {
    if items.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", escape(&empty()));
        return;
    }
    out.push_str("<ul>");
    for i in items {
        let _ = write!(out, "<li>{}</li>", item(i));
    }
    out.push_str("</ul>\n");
}

#[cfg(test)]
mod csv_tests {
    use super::defused;

    #[test]
    fn a_cell_that_looks_like_a_formula_is_text_and_a_number_stays_a_number() {
        assert_eq!(defused("=HYPERLINK(\"http://evil\")"), "'=HYPERLINK(\"http://evil\")");
        assert_eq!(defused("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defused("+46 70"), "+46 70", "a number with its sign is a number");
        assert_eq!(defused("-4,2"), "-4,2");
        assert_eq!(defused("-cmd"), "'-cmd");
        assert_eq!(defused("\tx"), "'\tx");
        assert_eq!(defused("Gata och park"), "Gata och park");
    }
}
