//! What the open API may show of a case. Nothing a person wrote is public until staff publish
//! it; a place typed on the web, by phone or in a letter is never public (it is often the
//! writer's own address); a position is shown rounded unless staff chose the exact point.

use crate::submission::Position;

/// The default rounding of a published position: a square about 100 m on a side.
pub const DEFAULT_PRECISION_METRES: u32 = 100;

const METRES_PER_DEGREE: f64 = 111_320.0;

/// `position` moved to the centre of its square of `metres` (north–south and east–west),
/// so that a point cannot be told from any other in the same square.
pub fn rounded(position: Position, metres: u32) -> Position {
    if metres == 0 {
        return position;
    }
    let lat = position.latitude();
    let lat_step = f64::from(metres) / METRES_PER_DEGREE;
    let lat_rounded = ((lat / lat_step).floor() + 0.5) * lat_step;
    let lon_step = f64::from(metres) / (METRES_PER_DEGREE * lat_rounded.to_radians().cos().max(0.01));
    let lon_rounded = ((position.longitude() / lon_step).floor() + 0.5) * lon_step;
    Position { lat_e6: (lat_rounded * 1e6).round() as i64, lon_e6: (lon_rounded * 1e6).round() as i64 }
}

/// The Swedish personnummer and samordningsnummer in `text` (with a valid check digit),
/// as written: `YYMMDD-NNNN`, `YYYYMMDDNNNN`, `YYMMDD+NNNN` and the like.
pub fn personal_numbers(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && (chars[j].is_ascii_digit() || matches!(chars[j], '-' | '+' | ' ')) && j - i < 14 {
            j += 1;
        }
        let candidate: String = chars[i..j].iter().collect::<String>().trim_end().to_owned();
        let digits: String = candidate.chars().filter(char::is_ascii_digit).collect();
        let separators = candidate.chars().filter(|c| !c.is_ascii_digit()).count();
        let shaped = match digits.len() {
            10 => separators <= 1,
            12 => separators <= 1,
            _ => false,
        };
        let ends_there = j >= chars.len() || !chars[j].is_ascii_digit();
        if shaped && ends_there && is_personal_number(&digits) {
            found.push(candidate);
            i = j;
        } else {
            i += 1;
        }
    }
    found
}

/// `text` with every personnummer and samordningsnummer in it replaced by "[personnummer]":
/// what staff wrote, as anyone outside the handling of the case may read it.
pub fn masked(text: &str) -> String {
    personal_numbers(text).iter().fold(text.to_owned(), |text, number| text.replace(number.as_str(), "[personnummer]"))
}

/// Ten or twelve digits that form a date (or a samordningsnummer's day + 60) and pass the
/// Luhn check on the last ten.
fn is_personal_number(digits: &str) -> bool {
    let ten = &digits[digits.len() - 10..];
    let d: Vec<u32> = ten.chars().filter_map(|c| c.to_digit(10)).collect();
    let month = d[2] * 10 + d[3];
    let day = d[4] * 10 + d[5];
    let day = if day > 60 { day - 60 } else { day };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return false;
    }
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(k, &x)| {
            let v = if k % 2 == 0 { x * 2 } else { x };
            v / 10 + v % 10
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_numbers_are_found_by_their_check_digit() {
        // Skatteverket's test numbers.
        assert_eq!(personal_numbers("Ring mig, jag heter Tolvan, 19121212-1212."), ["19121212-1212"]);
        assert_eq!(personal_numbers("pnr 121212-1212 tack"), ["121212-1212"]);
        assert_eq!(personal_numbers("1212121212"), ["1212121212"]);
        // A samordningsnummer: the day plus 60.
        assert_eq!(personal_numbers("701063-2391"), ["701063-2391"]);
        // A wrong check digit, a phone number, a date and a case number are not.
        assert!(personal_numbers("121212-1213").is_empty());
        assert!(personal_numbers("070-123 45 67").is_empty());
        assert!(personal_numbers("2026-12-03").is_empty());
        assert!(personal_numbers("ärende 2026-000042").is_empty());
    }

    #[test]
    fn masking_leaves_everything_but_the_numbers() {
        assert_eq!(
            masked("Kontakta 19121212-1212 eller 701063-2391 om ärende 2026-000042."),
            "Kontakta [personnummer] eller [personnummer] om ärende 2026-000042."
        );
        assert_eq!(masked("Stolpe 121212-1213 är lagad."), "Stolpe 121212-1213 är lagad.");
    }

    #[test]
    fn a_rounded_position_hides_the_point_within_its_square() {
        let home = Position { lat_e6: 59_609_912, lon_e6: 16_544_811 };
        let neighbour = Position { lat_e6: 59_609_950, lon_e6: 16_544_700 };
        let shown = rounded(home, 100);
        assert_eq!(shown, rounded(neighbour, 100), "two points of one square look the same");
        let metres = (shown.latitude() - home.latitude()).abs() * METRES_PER_DEGREE;
        assert!(metres <= 50.0 && shown != home, "{metres} m");
        assert_eq!(rounded(home, 0), home);
    }
}
