//! The CSS colours a 2D context's `fillStyle` / `strokeStyle` take, and their serialisation.

use std::fmt;

/// An sRGB colour with straight (not premultiplied) alpha, 0–255 per channel: what a 2D
/// context's `fillStyle` and `strokeStyle` hold.
///
/// [`CssColor::parse`] reads the CSS colours those attributes commonly get; `Display` writes
/// the colour as a 2D context serialises it (`#rrggbb` when opaque, else
/// `rgba(r, g, b, a)`).
///
/// ```
/// use mediacapture_sources::canvas::CssColor;
/// let c = CssColor::parse("rgb(100%, 0%, 50%)").unwrap();
/// assert_eq!(c, CssColor::rgba(255, 0, 128, 255));
/// assert_eq!(c.to_string(), "#ff0080");
/// assert_eq!(CssColor::parse("#11223380").unwrap().to_string(), "rgba(17, 34, 51, 0.5)");
/// assert_eq!(CssColor::parse("nonsense"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CssColor {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
    /// Alpha (255 is opaque).
    pub a: u8,
}

/// The named colours understood: the CSS basic colours, their common aliases, orange and
/// transparent.
const NAMED: &[(&str, [u8; 4])] = &[
    ("black", [0, 0, 0, 255]),
    ("white", [255, 255, 255, 255]),
    ("red", [255, 0, 0, 255]),
    ("green", [0, 128, 0, 255]),
    ("lime", [0, 255, 0, 255]),
    ("blue", [0, 0, 255, 255]),
    ("yellow", [255, 255, 0, 255]),
    ("gray", [128, 128, 128, 255]),
    ("grey", [128, 128, 128, 255]),
    ("silver", [192, 192, 192, 255]),
    ("maroon", [128, 0, 0, 255]),
    ("purple", [128, 0, 128, 255]),
    ("fuchsia", [255, 0, 255, 255]),
    ("magenta", [255, 0, 255, 255]),
    ("olive", [128, 128, 0, 255]),
    ("navy", [0, 0, 128, 255]),
    ("teal", [0, 128, 128, 255]),
    ("aqua", [0, 255, 255, 255]),
    ("cyan", [0, 255, 255, 255]),
    ("orange", [255, 165, 0, 255]),
    ("transparent", [0, 0, 0, 0]),
];

impl CssColor {
    /// Opaque black, the initial `fillStyle` and `strokeStyle`.
    pub const BLACK: CssColor = CssColor::rgba(0, 0, 0, 255);

    /// A colour from its channels.
    pub const fn rgba(r: u8, g: u8, b: u8, a: u8) -> CssColor {
        CssColor { r, g, b, a }
    }

    /// Parses a CSS colour: a named basic colour, `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, or
    /// `rgb()` / `rgba()` with comma-separated numbers or percentages (all three channels of
    /// the same type; values are clamped) and an optional alpha (number or percentage).
    /// Case and surrounding white space do not matter. `None` for anything else (a 2D
    /// context then keeps its colour, as a browser ignores a value it cannot parse).
    pub fn parse(text: &str) -> Option<CssColor> {
        let v = text.trim().to_ascii_lowercase();
        if let Some((_, [r, g, b, a])) = NAMED.iter().find(|(name, _)| *name == v) {
            return Some(CssColor::rgba(*r, *g, *b, *a));
        }
        if let Some(hex) = v.strip_prefix('#') {
            return parse_hex(hex);
        }
        let args = v
            .strip_prefix("rgba(")
            .or_else(|| v.strip_prefix("rgb("))?
            .strip_suffix(')')?;
        parse_rgb_args(args)
    }
}

fn parse_hex(hex: &str) -> Option<CssColor> {
    if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let digit = |i: usize| u8::from_str_radix(hex.get(i..=i)?, 16).ok();
    let pair = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    match hex.len() {
        3 | 4 => {
            let c = |i: usize| digit(i).map(|d| d * 17);
            let a = if hex.len() == 4 { c(3)? } else { 255 };
            Some(CssColor::rgba(c(0)?, c(1)?, c(2)?, a))
        }
        6 | 8 => {
            let a = if hex.len() == 8 { pair(6)? } else { 255 };
            Some(CssColor::rgba(pair(0)?, pair(2)?, pair(4)?, a))
        }
        _ => None,
    }
}

/// One argument of `rgb()`: its value and whether it is a percentage.
fn number(arg: &str) -> Option<(f64, bool)> {
    let arg = arg.trim();
    let (num, percent) = match arg.strip_suffix('%') {
        Some(n) => (n.trim_end(), true),
        None => (arg, false),
    };
    if !is_css_number(num) {
        return None;
    }
    Some((num.parse().ok()?, percent))
}

/// `[+-]? (digits [. digits?] | . digits) (e [+-]? digits)?`: what CSS calls a number (Rust's
/// parser alone would also take `inf` and `nan`).
fn is_css_number(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (digits(int) && (frac.is_empty() || digits(frac))) || (int.is_empty() && digits(frac))
        }
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

fn parse_rgb_args(args: &str) -> Option<CssColor> {
    let parts: Vec<&str> = args.split(',').collect();
    if !(3..=4).contains(&parts.len()) {
        return None;
    }
    let channels: Vec<(f64, bool)> = parts[..3]
        .iter()
        .map(|p| number(p))
        .collect::<Option<_>>()?;
    // The three channels are all numbers or all percentages.
    if channels.iter().any(|c| c.1 != channels[0].1) {
        return None;
    }
    let channel = |(v, percent): (f64, bool)| {
        let v = if percent { v * 255.0 / 100.0 } else { v };
        v.clamp(0.0, 255.0).round() as u8
    };
    let alpha = match parts.get(3) {
        Some(p) => {
            let (v, percent) = number(p)?;
            (if percent { v / 100.0 } else { v }).clamp(0.0, 1.0)
        }
        None => 1.0,
    };
    Some(CssColor::rgba(
        channel(channels[0]),
        channel(channels[1]),
        channel(channels[2]),
        (alpha * 255.0).round() as u8,
    ))
}

impl fmt::Display for CssColor {
    /// The 2D context's serialisation: `#rrggbb` when opaque, else `rgba(r, g, b, a)` with
    /// the shortest alpha (up to 3 decimals) that maps back to the same byte, as browsers
    /// print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let CssColor { r, g, b, a } = *self;
        if a == 255 {
            return write!(f, "#{r:02x}{g:02x}{b:02x}");
        }
        let exact = f64::from(a) / 255.0;
        let mut alpha = 0.0;
        for digits in 1..=3 {
            alpha = format!("{exact:.digits$}").parse().unwrap_or(exact);
            if (alpha * 255.0).round() as u8 == a {
                break;
            }
        }
        write!(f, "rgba({r}, {g}, {b}, {alpha})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_serialises_like_a_browser() {
        let cases = [
            ("#abc", "#aabbcc"),
            ("#ABCDEF", "#abcdef"),
            ("#11223380", "rgba(17, 34, 51, 0.5)"),
            ("#f008", "rgba(255, 0, 0, 0.533)"),
            ("rgb(1, 2, 3)", "#010203"),
            ("rgba(300, -5, 0, 0.25)", "rgba(255, 0, 0, 0.25)"),
            ("rgb(100%, 0%, 50%)", "#ff0080"),
            (" Orange ", "#ffa500"),
            ("transparent", "rgba(0, 0, 0, 0)"),
            ("rgba(0, 0, 0, 50%)", "rgba(0, 0, 0, 0.5)"),
            ("rgb(.5e1, 1., +2)", "#050102"),
        ];
        for (input, serialised) in cases {
            let c = CssColor::parse(input).unwrap_or_else(|| panic!("{input} did not parse"));
            assert_eq!(c.to_string(), serialised, "{input}");
        }
    }

    #[test]
    fn refuses_what_it_does_not_understand() {
        for bad in [
            "nonsense",
            "#12",
            "#12345",
            "#ggg",
            "rgb(1, 2)",
            "rgb(1%, 2, 3)",
            "",
            "constructor",
            "rgb(inf, 0, 0)",
            "rgb(nan, 0, 0)",
            "rgb(1, 2, 3, 4, 5)",
            "rgb(1 2 3)",
            "rgb(e1, 0, 0)",
        ] {
            assert_eq!(CssColor::parse(bad), None, "{bad:?}");
        }
    }
}
