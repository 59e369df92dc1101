//! INI as Python's `configparser` reads it, because databricks-sdk reads
//! `~/.databrickscfg` with it (wire.md §3.1): section names kept as
//! written, keys lower-cased, `=` or `:` between key and value, whole-line
//! `#` and `;` comments only (a `# note` after a value is part of the
//! value, and so are quotes), indented lines continuing a value, and the
//! strict mode's refusals (a repeated section or key, a key before any
//! section, a line that is neither). No interpolation: the SDK reads the
//! raw sections.

/// One section's keys and values, in file order.
pub type Keys = Vec<(String, String)>;

/// What was read: the `[DEFAULT]` keys, every other section, and why
/// `configparser` would refuse the file (it then reads nothing; tokentop
/// still shows what it could read, with that reason).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Ini {
    /// `[DEFAULT]`'s keys.
    pub defaults: Keys,
    /// The other sections, in file order (a repeated one's first).
    pub sections: Vec<(String, Keys)>,
    /// The first reason `configparser` refuses the file, with its line.
    pub refusal: Option<String>,
    /// The section that reason is in, when it is in one.
    pub refused_in: Option<String>,
}

impl Ini {
    /// The keys of section `name` (`DEFAULT` for the defaults).
    pub fn section(&self, name: &str) -> Option<&Keys> {
        if name == "DEFAULT" {
            return (!self.defaults.is_empty()).then_some(&self.defaults);
        }
        self.sections
            .iter()
            .find(|(section, _)| section == name)
            .map(|(_, keys)| keys)
    }
}

/// Where a key's value is being collected.
enum Cursor {
    None,
    Defaults,
    Section(usize),
}

/// Reads `text` as `configparser.ConfigParser().read_string` would.
pub fn parse(text: &str) -> Ini {
    let mut ini = Ini::default();
    let refuse = |ini: &mut Ini, line: usize, why: String| {
        ini.refusal.get_or_insert(format!("line {line}: {why}"));
    };
    let mut cursor = Cursor::None;
    // The key being written and its value's lines, and the key's indent.
    let mut current: Option<(String, Vec<String>)> = None;
    let mut indent_level = 0usize;
    let flush = |ini: &mut Ini, cursor: &Cursor, key: String, lines: Vec<String>| {
        let value = lines.join("\n").trim_end().to_string();
        let keys = match cursor {
            Cursor::Defaults => &mut ini.defaults,
            Cursor::Section(i) => &mut ini.sections[*i].1,
            Cursor::None => return,
        };
        // A repeated key (refused) keeps its first value.
        if !keys.iter().any(|(k, _)| *k == key) {
            keys.push((key, value));
        }
    };
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let stripped = raw.trim();
        let comment = stripped.starts_with('#') || stripped.starts_with(';');
        if stripped.is_empty() || comment {
            // An empty line inside a value is kept (trailing ones are not);
            // a comment line is dropped.
            if !comment && let Some((_, lines)) = current.as_mut() {
                lines.push(String::new());
            }
            continue;
        }
        let indent = raw.len() - raw.trim_start().len();
        if let Some((_, lines)) = current.as_mut()
            && indent > indent_level
        {
            lines.push(stripped.to_string());
            continue;
        }
        if let Some((key, lines)) = current.take() {
            flush(&mut ini, &cursor, key, lines);
        }
        indent_level = indent;
        let here = match &cursor {
            Cursor::Section(i) => Some(ini.sections[*i].0.clone()),
            Cursor::Defaults => Some("DEFAULT".to_string()),
            Cursor::None => None,
        };
        if let Some(header) = stripped
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
            .filter(|h| !h.is_empty())
        {
            cursor = if header == "DEFAULT" {
                Cursor::Defaults
            } else if let Some(i) = ini.sections.iter().position(|(s, _)| s == header) {
                refuse(
                    &mut ini,
                    number,
                    format!(
                        "section [{header}] already exists (configparser refuses a repeated section)"
                    ),
                );
                Cursor::Section(i)
            } else {
                ini.sections.push((header.to_string(), Vec::new()));
                Cursor::Section(ini.sections.len() - 1)
            };
            continue;
        }
        if matches!(cursor, Cursor::None) {
            refuse(&mut ini, number, "a key before any [section] header".into());
            continue;
        }
        let Some(at) = stripped.find(['=', ':']) else {
            // Never quoted: such a line may be a secret without its key.
            refuse(
                &mut ini,
                number,
                "neither a [section] nor `key = value`".into(),
            );
            if ini.refused_in.is_none() {
                ini.refused_in = here;
            }
            continue;
        };
        let key = stripped[..at].trim_end().to_lowercase();
        if key.is_empty() {
            refuse(&mut ini, number, "a value without a key".into());
            continue;
        }
        let keys = match &cursor {
            Cursor::Defaults => &ini.defaults,
            Cursor::Section(i) => &ini.sections[*i].1,
            Cursor::None => continue,
        };
        if keys.iter().any(|(k, _)| *k == key) {
            let section = match &cursor {
                Cursor::Section(i) => ini.sections[*i].0.clone(),
                _ => "DEFAULT".into(),
            };
            refuse(
                &mut ini,
                number,
                format!("key `{key}` repeated in [{section}] (configparser refuses it)"),
            );
        }
        current = Some((key, vec![stripped[at + 1..].trim().to_string()]));
    }
    if let Some((key, lines)) = current {
        flush(&mut ini, &cursor, key, lines);
    }
    ini
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_what_python_keeps() {
        let ini = parse(
            "# top comment\n[DEFAULT]\nhost = https://d\n\n[dev]\nHost: \"https://q\"  # not a comment\n\
             ; a comment\ntoken = dapi1\n  continued\n\n[empty]\n",
        );
        assert_eq!(ini.refusal, None);
        assert_eq!(
            ini.section("DEFAULT"),
            Some(&vec![("host".into(), "https://d".into())])
        );
        let dev = ini.section("dev").expect("dev");
        assert_eq!(
            dev[0],
            ("host".into(), "\"https://q\"  # not a comment".into())
        );
        assert_eq!(dev[1], ("token".into(), "dapi1\ncontinued".into()));
        assert_eq!(ini.section("empty"), Some(&Vec::new()));
    }

    #[test]
    fn what_strict_configparser_refuses_is_said_with_its_line() {
        let ini = parse("[a]\nx = 1\n[a]\ny = 2\n");
        assert!(
            ini.refusal
                .as_deref()
                .is_some_and(|r| r.starts_with("line 3: section [a]"))
        );
        assert_eq!(
            ini.sections.len(),
            1,
            "the first [a] is kept, with both keys"
        );
        assert_eq!(ini.sections[0].1.len(), 2);
        let ini = parse("[a]\nx = 1\nX = 2\n");
        assert!(
            ini.refusal
                .as_deref()
                .is_some_and(|r| r.contains("key `x` repeated in [a]"))
        );
        assert_eq!(ini.section("a"), Some(&vec![("x".into(), "1".into())]));
        assert!(
            parse("x = 1\n")
                .refusal
                .is_some_and(|r| r.contains("before any [section]"))
        );
        assert!(parse("[a]\njust words\n").refusal.is_some());
    }
}
