//! The record of processing activities (GDPR art. 30.1) for Lyhörd, filled from the setup as
//! it is: the nämnder as controllers, the data protection officer, the categories of data
//! (and which are sensitive), who receives what, and the gallring rules in force. What the
//! setup cannot know is marked for the municipality to fill in. `docs/record-of-processing.md`
//! explains each part; `lyhord privacy record` prints it.

use chrono::{DateTime, Utc};
use domain::{JurisdictionId, NodeLevel};
use store::{Store, StoreError};

use crate::PublicReads;
use crate::lang::Lang;

/// Marks what the municipality writes itself.
const FILL_IN: &str = "**[fyll i]**";

/// The record as Markdown, in Swedish (the language the nämnder keep it in).
pub async fn record_of_processing(
    store: &Store,
    jurisdiction: &JurisdictionId,
    public_reads: PublicReads,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let (js, tree, categories, decisions) = tokio::try_join!(
        store.jurisdictions(),
        store.org_tree(jurisdiction),
        store.categories(jurisdiction),
        store.gallring_decisions(jurisdiction)
    )?;
    let j = js.into_iter().find(|j| &j.id == jurisdiction).ok_or(StoreError::NotFound)?;
    let mut out = String::new();
    let mut line = |text: &str| {
        out.push_str(text);
        out.push('\n');
    };
    line(&format!("# Registerförteckning: Lyhörd, {}", j.name));
    line("");
    line(&format!(
        "Artikel 30.1 i dataskyddsförordningen. Upprättad {} ur Lyhörds inställningar \
         (`lyhord privacy record`); det som är markerat {FILL_IN} skriver kommunen själv.",
        crate::dates::long_date(now, Lang::Sv)
    ));
    line("");
    line("## Personuppgiftsansvariga");
    line("");
    line("Varje nämnd är personuppgiftsansvarig för de ärenden som hör till den:");
    line("");
    for namnd in tree.subtree(&tree.root().id).unwrap_or_default().iter().filter(|n| n.level == NodeLevel::Namnd) {
        line(&format!("- {}", namnd.name));
    }
    line(&format!("- {} (kommunstyrelsen) för det som ingen nämnd har, och för Lyhörd som system", tree.root().name));
    line("");
    line(&format!("Kontakt: {}", j.email.clone().unwrap_or_else(|| FILL_IN.into())));
    line("");
    line("## Dataskyddsombud");
    line("");
    line(&j.dpo_contact.clone().unwrap_or_else(|| format!("{FILL_IN} (inställningen `dpo_contact`)")));
    line("");
    line("## Ändamål");
    line("");
    line(
        "Ta emot, registrera, fördela och besvara synpunkter, klagomål, beröm, idéer, frågor och \
         felanmälningar; hålla kommunens löften om svarstider; analysera klagomål och rapportera \
         till nämnderna; planera och redovisa medborgardialoger; bevara allmänna handlingar enligt \
         arkivlagen.",
    );
    line("");
    line("## Rättslig grund");
    line("");
    line(
        "Uppgift av allmänt intresse och myndighetsutövning (artikel 6.1 e; förvaltningslagen 6 §, \
         kommunallagen, arkivlagen). Känsliga personuppgifter: artikel 9.2 g med 3 kap. 3 § \
         dataskyddslagen (2018:218), när de lämnats i ett ärende.",
    );
    line("");
    line("## Kategorier av registrerade");
    line("");
    line("- Den som lämnar ett ärende: invånare, kunder, företag och organisationer, andra");
    line("- Personer som nämns i det som skrivs (anhöriga, grannar, personal)");
    line("- Deltagare i medborgardialoger");
    line("- Kommunens personal som arbetar i Lyhörd (konton och åtkomstlogg)");
    line("");
    line("## Kategorier av personuppgifter");
    line("");
    line("- Kontaktuppgifter: namn, e-postadress, telefonnummer, postadress, hur personen vill få svar");
    line("- Fritext: det personen skrev, meddelanden och svar");
    line("- Filer: bilder och dokument, e-postoriginal");
    line("- Plats: adress eller position som personen angav");
    line("- Personalens användarnamn, vad de läste och gjorde (åtkomstloggen)");
    let sensitive: Vec<String> =
        categories.iter().filter(|c| c.sensitive).map(|c| format!("{} ({})", c.name_sv, c.code)).collect();
    if sensitive.is_empty() {
        line("- Känsliga personuppgifter: ingen kategori är markerad som känslig");
    } else {
        line(&format!(
            "- Känsliga personuppgifter (artikel 9), till exempel om hälsa, i kategorierna: {}",
            sensitive.join(", ")
        ));
    }
    line("");
    line("## Mottagare");
    line("");
    line("- Personal med behörighet i den nämnd ärendet hör till (roller och enheter i Lyhörd)");
    line(&format!("- E-postleverantören som skickar kommunens svar: {FILL_IN}"));
    line("- En annan myndighet när ett ärende lämnas över dit (förvaltningslagen 4 §)");
    line(match public_reads {
        PublicReads::Off => "- Allmänheten: ingenting (det öppna API:et visar inga ärenden)",
        PublicReads::Published => {
            "- Allmänheten, genom det öppna API:et: bara det som personal har granskat och \
             publicerat, med positionen avrundad"
        }
    });
    line("");
    line("## Överföring till tredje land");
    line("");
    line(&format!("Lyhörd för inte över något. Leverantörer av drift och e-post: {FILL_IN}"));
    line("");
    line("## Tidsfrister för radering (gallring)");
    line("");
    if decisions.is_empty() {
        line("Inget gallringsbeslut är infört i Lyhörd: allt bevaras.");
    }
    for d in &decisions {
        line(&format!("{}, {} ({}):", d.body, d.reference, d.decided_on));
        line("");
        for rule in &d.rules {
            line(&format!("- {}", crate::gallring::rule_label(rule, &tree, Lang::Sv)));
        }
        line("");
    }
    line("Det som ingen regel omfattar bevaras. Varje gallring protokollförs i Lyhörd.");
    line("");
    line("## Tekniska och organisatoriska säkerhetsåtgärder");
    line("");
    line("- Behörighet per nämnd och roll; allt annat nekas");
    line("- Åtkomstlogg över vem som läst varje ärende");
    line("- Varje ärendes händelser är hashkedjade: en ändring i efterhand upptäcks");
    line("- Begränsning (artikel 18) visar uppgifterna bara för den som handlägger ärendet");
    line("- Krypterad förbindelse (TLS) genom kommunens omvända proxy; skydd mot CSRF; begränsat antal försök");
    line("- Säkerhetskopior som åldras ut (se README, Backups)");
    line(&format!("- Drift, behörighetsgranskning och incidenthantering: {FILL_IN}"));
    Ok(out)
}
