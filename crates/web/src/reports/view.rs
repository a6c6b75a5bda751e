//! A report as people read it: tables with their numbers written out (hidden groups named as
//! such), as an HTML page, a standalone HTML document, tagged PDF, or CSV for Swedish Excel.

use askama::Template;

use crate::i18n::Lang;
use app::reports::{Line, Report};

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
    let bars: Vec<super::chart::Bar<'_>> =
        lines.iter().map(|l| super::chart::Bar { label: &l.label, current: l.current, previous: l.previous }).collect();
    let chart = (lines.len() > 1).then(|| super::chart::bars(id, &heading, &alt, &bars, (&now, &before)));
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

    /// The report as an HTML document of its own.
    pub fn html(&self, lang: Lang) -> Result<String, askama::Error> {
        ReportDocument { lang, report: self }.render()
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

    /// CSV as Swedish Excel opens it: UTF-8 with a byte-order mark, `;` between fields.
    pub fn csv(&self) -> String {
        let field = |s: &str| {
            let s = defused(s);
            if s.contains([';', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
        };
        let mut out = String::from("\u{feff}");
        let line = |out: &mut String, cells: &[String]| {
            out.push_str(&cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(";"));
            out.push_str("\r\n");
        };
        line(&mut out, &[self.title.clone(), self.unit.clone(), self.period.clone()]);
        for table in &self.tables {
            out.push_str("\r\n");
            let mut header = vec![table.heading.clone()];
            header.extend(table.columns.iter().cloned());
            line(&mut out, &header);
            for row in &table.rows {
                let mut cells = vec![table.heading.clone()];
                cells.extend(row.iter().cloned());
                line(&mut out, &cells);
            }
        }
        out.push_str("\r\n");
        for (label, value) in &self.actions {
            line(&mut out, &[label.clone(), value.clone()]);
        }
        out
    }
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

/// The report as a document of its own (the command line's and the download's HTML).
#[derive(Template)]
#[template(path = "report_document.html")]
struct ReportDocument<'a> {
    lang: Lang,
    report: &'a ReportView,
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
