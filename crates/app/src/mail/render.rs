//! A queued message as it is sent: framed by the mail template of its kind and language (an
//! administrator's, or the built-in one), as plain text and as HTML made from the same text.

use store::{MailTemplate, OutboxMessage, StoreError};

use crate::App;
use crate::intake::{ReceiptDetails, tracking_token};
use crate::lang::Lang;

/// The kinds of message sent to citizens, each with its own template.
pub const PURPOSES: [&str; 10] = [
    "receipt",
    "answer",
    "information-request",
    "information",
    "forwarded",
    "decision-promised",
    "fix-promised",
    "delay-notice",
    "handler-assigned",
    "new-link",
];

/// Messages to staff: reminders and escalations about a case, never its content.
pub(crate) fn is_to_staff(kind: &str) -> bool {
    kind.starts_with("alert-")
}

/// The built-in template of a kind of message: subject and text with `{number}`,
/// `{message}`, `{link}` and `{municipality}`.
pub fn default_template(purpose: &str, lang: &str) -> MailTemplate {
    let en = lang == "en";
    let subject = match (purpose, en) {
        ("receipt", false) => "Vi har tagit emot ditt ärende {number}",
        ("receipt", true) => "We have received your case {number}",
        ("answer", false) => "Svar i ditt ärende {number}",
        ("answer", true) => "Answer in your case {number}",
        ("information-request", false) => "Vi behöver mer information i ärende {number}",
        ("information-request", true) => "We need more information in case {number}",
        ("forwarded", false) => "Ditt ärende {number} har skickats till en annan myndighet",
        ("forwarded", true) => "Your case {number} has been sent to another authority",
        ("decision-promised", false) => "När du får beslut i ärende {number}",
        ("decision-promised", true) => "When you will have a decision in case {number}",
        ("fix-promised", false) => "Vad vi gör i ärende {number}",
        ("fix-promised", true) => "What we will do in case {number}",
        ("delay-notice", false) => "Beslutet i ditt ärende {number} blir försenat",
        ("delay-notice", true) => "The decision in your case {number} will be delayed",
        ("handler-assigned", false) => "Din handläggare i ärende {number}",
        ("handler-assigned", true) => "Your handler in case {number}",
        ("new-link", false) => "En ny länk till ditt ärende {number}",
        ("new-link", true) => "A new link to your case {number}",
        ("alert-halfway" | "alert-last_day", false) => "Påminnelse: ärende {number}",
        ("alert-halfway" | "alert-last_day", true) => "Reminder: case {number}",
        ("alert-breached" | "alert-escalated", false) => "Ett löfte har inte hållits: ärende {number}",
        ("alert-breached" | "alert-escalated", true) => "A promise was not kept: case {number}",
        ("alert-delay_likely" | "alert-undecided", false) => "Förvaltningslagen: ärende {number}",
        ("alert-delay_likely" | "alert-undecided", true) => "The Administrative Procedure Act: case {number}",
        (_, false) => "Besked om ditt ärende {number}",
        (_, true) => "News about your case {number}",
    };
    let body = match (purpose, en) {
        ("receipt", false) => {
            "Hej!\n\n{message}\n\nDu kan svara på det här meddelandet om du vill lägga till något.\n\nMed vänlig hälsning\n{municipality}"
        }
        ("receipt", true) => {
            "Hello,\n\n{message}\n\nYou can reply to this message if you want to add something.\n\nKind regards\n{municipality}"
        }
        (kind, false) if is_to_staff(kind) => "{message}\n\nÄrendet i Lyhörd:\n{link}\n\n{municipality}",
        (kind, true) if is_to_staff(kind) => "{message}\n\nThe case in Lyhörd:\n{link}\n\n{municipality}",
        (_, false) => {
            "Hej!\n\n{message}\n\nÄrende {number}. Här kan du följa ärendet och skriva till oss:\n{link}\n\nDu kan också svara på det här meddelandet.\n\nMed vänlig hälsning\n{municipality}"
        }
        (_, true) => {
            "Hello,\n\n{message}\n\nCase {number}. Follow the case and write to us here:\n{link}\n\nYou can also reply to this message.\n\nKind regards\n{municipality}"
        }
    };
    MailTemplate { purpose: purpose.into(), lang: lang.into(), subject: subject.into(), body: body.into() }
}

/// A message ready to send.
pub(crate) struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Written by Lyhörd alone (a receipt), not by a person: marked `Auto-Submitted`.
    pub automatic: bool,
    /// The case's own reply address.
    pub reply_to: String,
    pub municipality: String,
}

/// The kind of a queued message: its purpose without the event number (`answer:7`).
pub fn kind_of(purpose: &str) -> &str {
    purpose.split(':').next().unwrap_or(purpose)
}

/// The part of a case's reply address that proves it was given by us: the case number alone
/// is easy to guess, and anyone could then write into someone else's case.
pub async fn reply_tag(state: &App, case_id: domain::CaseId) -> Result<String, StoreError> {
    Ok(hex::encode(&state.mac("mail-replies", case_id.uuid().as_bytes()).await?[..5]))
}

fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_owned(), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
}

/// Frames a queued message with its template, in the citizen's language.
pub(crate) async fn render(state: &App, m: &OutboxMessage) -> Result<Rendered, StoreError> {
    let case = state.store.case(m.case_id).await?.ok_or(StoreError::NotFound)?;
    let lang = Lang::from_code(&m.language).unwrap_or(Lang::Sv);
    let kind = kind_of(&m.purpose);
    let template = state
        .store
        .mail_templates(&case.jurisdiction)
        .await?
        .into_iter()
        .find(|t| t.purpose == kind && t.lang == lang.code())
        .unwrap_or_else(|| default_template(kind, lang.code()));
    let municipality = state
        .store
        .jurisdictions()
        .await?
        .into_iter()
        .find(|j| j.id == case.jurisdiction)
        .map_or_else(|| case.jurisdiction.to_string(), |j| j.name);
    let base = state.config.public_url.trim_end_matches('/');
    let config = &state.config.mail;
    let to_staff = is_to_staff(kind);
    // Staff follow a link into the workspace (which asks them to sign in); citizens get
    // their own tracking link and a reply address that leads into the case.
    let (link, message, reply_to) = if to_staff {
        (format!("{base}/staff/cases/{}", case.number), m.body.clone(), config.from.clone())
    } else {
        let token = tracking_token(state, case.id).await?;
        // A receipt is written from the case when it is sent; other messages carry their text.
        let message = if kind == "receipt" {
            ReceiptDetails::of(state, lang, case.id, &token).await?.as_text()
        } else {
            m.body.clone()
        };
        let tag = reply_tag(state, case.id).await?;
        let reply_to = format!("{}+{}.{tag}@{}", config.local_part(), case.number, config.domain());
        (format!("{base}/track/{token}"), message, reply_to)
    };
    let values = [
        ("number", case.number.as_str()),
        ("message", message.trim()),
        ("link", link.as_str()),
        ("municipality", municipality.as_str()),
    ];
    let text = fill(&template.body, &values);
    Ok(Rendered {
        subject: fill(&template.subject, &values),
        html: html_of(&text, lang.code()),
        text,
        automatic: kind == "receipt" || to_staff,
        reply_to,
        municipality,
    })
}

/// The text as a small HTML document: paragraphs at blank lines, line breaks kept, web
/// addresses as links, everything else escaped.
pub(crate) fn html_of(text: &str, lang: &str) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let lines: Vec<String> = p.lines().map(linked).collect();
            format!("<p>{}</p>", lines.join("<br>\n"))
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"></head>\n<body>\n{}\n</body></html>\n",
        paragraphs.join("\n")
    )
}

/// One line, escaped, with its web addresses as links.
fn linked(line: &str) -> String {
    line.split(' ')
        .map(|word| {
            if (word.starts_with("https://") || word.starts_with("http://")) && domain::submission::is_web_address(word)
            {
                let word = crate::markup::escape(word);
                format!("<a href=\"{word}\">{word}</a>")
            } else {
                crate::markup::escape(word)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_text_with_paragraphs_and_links() {
        let html = html_of("Hej <Anna> & co!\n\nFölj ärendet:\nhttps://x.se/track/ab\"c\n", "sv");
        assert!(html.contains("<p>Hej &lt;Anna&gt; &amp; co!</p>"), "{html}");
        assert!(
            html.contains("<p>Följ ärendet:<br>\nhttps://x.se/track/ab&quot;c</p>"),
            "no link from an address with a quote: {html}"
        );
        let html = html_of("Se https://x.se/track/abc här", "en");
        assert!(html.contains("Se <a href=\"https://x.se/track/abc\">https://x.se/track/abc</a> här"));
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    }

    #[test]
    fn templates_are_filled_by_name() {
        let t = default_template("answer", "sv");
        let text = fill(
            &t.body,
            &[
                ("message", "Lampan är lagad."),
                ("number", "2026-000001"),
                ("link", "L"),
                ("municipality", "Västerås stad"),
            ],
        );
        assert!(text.starts_with("Hej!\n\nLampan är lagad.\n\nÄrende 2026-000001."));
        assert!(text.ends_with("Med vänlig hälsning\nVästerås stad"));
        assert_eq!(kind_of("answer:7"), "answer");
        assert_eq!(kind_of("receipt"), "receipt");
    }
}
