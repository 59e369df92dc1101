//! Keys are data: `keymap.toml` maps keys to actions per layer. Resolving a
//! key is pure; help and the footer are generated from the same table.

use super::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The default keymap text.
pub const DEFAULT: &str = include_str!("keymap.toml");

/// The layers keys are bound in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Layer {
    /// Asked after the top layer.
    Global,
    /// The main table.
    Table,
    /// The decode view.
    Decode,
    /// The help overlay.
    Help,
    /// A yes/no question.
    Confirm,
    /// The downscope prompt (what is typed is text, not keys).
    Downscope,
    /// A sign-in waiting for its user.
    Login,
    /// The doctor's report.
    Doctor,
    /// The `/` filter being typed (what is typed is text).
    Filter,
    /// The `:` command line (what is typed is text).
    Command,
    /// The copy menu.
    Copy,
    /// One credential's detail.
    Detail,
    /// This session's audit journal.
    Journal,
}

/// One binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The key as written (`<C-c>`).
    pub on: String,
    /// The parsed key.
    pub key: (KeyCode, KeyModifiers),
    /// The action.
    pub run: Action,
    /// What help says.
    pub desc: String,
}

/// Bindings by layer, in file order.
#[derive(Debug, Clone)]
pub struct Keymap {
    layers: BTreeMap<Layer, Vec<Binding>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayer {
    bindings: Vec<RawBinding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    on: String,
    run: Action,
    desc: String,
}

impl Layer {
    /// The layer's name as keymap and config files write it.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

impl Keymap {
    /// The built-in keymap.
    pub fn default_keys() -> Result<Self, String> {
        Self::parse(DEFAULT, "keymap.toml")
    }

    /// Parses keymap text; errors name the file, line and the bad key or action.
    pub fn parse(text: &str, file: &str) -> Result<Self, String> {
        let raw: BTreeMap<Layer, RawLayer> =
            toml::from_str(text).map_err(|e| crate::model::toml_error::describe(file, text, &e))?;
        let mut layers = BTreeMap::new();
        for (layer, RawLayer { bindings }) in raw {
            let parsed = bindings
                .into_iter()
                .map(|b| {
                    let key = parse_key(&b.on)
                        .ok_or_else(|| format!("{file}: [{layer:?}] unknown key `{}`", b.on))?;
                    Ok(Binding {
                        on: b.on,
                        key,
                        run: b.run,
                        desc: b.desc,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            layers.insert(layer, parsed);
        }
        Ok(Self { layers })
    }

    /// Binds `key` (written `on`) to `action` in `layer`, first, in place
    /// of what the key did there. Help describes it as the default keymap
    /// describes the action.
    pub fn bind(&mut self, layer: Layer, on: &str, key: (KeyCode, KeyModifiers), action: Action) {
        let desc = [layer, Layer::Global]
            .iter()
            .flat_map(|l| self.bindings(*l))
            .find(|b| b.run == action)
            .map_or_else(|| action.name().to_string(), |b| b.desc.clone());
        let bindings = self.layers.entry(layer).or_default();
        bindings.retain(|b| b.key != key);
        bindings.insert(
            0,
            Binding {
                on: on.to_string(),
                key,
                run: action,
                desc,
            },
        );
    }

    /// The action for a key in `layer`, falling back to the global layer.
    pub fn resolve(&self, key: &KeyEvent, layer: Layer) -> Option<Action> {
        let wanted = normalize(key);
        [layer, Layer::Global]
            .iter()
            .filter_map(|l| self.layers.get(l))
            .flat_map(|bindings| bindings.iter())
            .find(|b| b.key == wanted)
            .map(|b| b.run)
    }

    /// The bindings of a layer, in file order.
    pub fn bindings(&self, layer: Layer) -> &[Binding] {
        self.layers
            .get(&layer)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The first key bound to `action` in `layer` or global, as written.
    pub fn key_for(&self, action: Action, layer: Layer) -> Option<&str> {
        [layer, Layer::Global]
            .iter()
            .flat_map(|l| self.bindings(*l))
            .find(|b| b.run == action)
            .map(|b| b.on.as_str())
    }
}

/// Shift is implied by the character itself (`G`, `?`), so it is dropped for chars.
fn normalize(key: &KeyEvent) -> (KeyCode, KeyModifiers) {
    match key.code {
        KeyCode::Char(c) => (KeyCode::Char(c), key.modifiers - KeyModifiers::SHIFT),
        code => (code, key.modifiers),
    }
}

/// Parses `q`, `?`, `<C-c>`, `<Enter>`, `<Esc>`, arrows, `<Home>`, `<End>`, `<PageUp>`, `<PageDown>`, `<Tab>`.
pub fn parse_key(text: &str) -> Option<(KeyCode, KeyModifiers)> {
    let mut chars = text.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some((KeyCode::Char(c), KeyModifiers::NONE));
    }
    let inner = text.strip_prefix('<')?.strip_suffix('>')?;
    if let Some(rest) = inner.strip_prefix("C-") {
        let mut cs = rest.chars();
        return match (cs.next(), cs.next()) {
            (Some(c), None) => Some((KeyCode::Char(c), KeyModifiers::CONTROL)),
            _ => None,
        };
    }
    let code = match inner {
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "Up" => KeyCode::Up,
        "Down" => KeyCode::Down,
        "Left" => KeyCode::Left,
        "Right" => KeyCode::Right,
        "Home" => KeyCode::Home,
        "End" => KeyCode::End,
        "PageUp" => KeyCode::PageUp,
        "PageDown" => KeyCode::PageDown,
        "Tab" => KeyCode::Tab,
        _ => return None,
    };
    Some((code, KeyModifiers::NONE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn default_keymap_parses_and_has_no_duplicate_keys_per_layer() {
        let keymap = Keymap::default_keys().expect("parses");
        for layer in [
            Layer::Global,
            Layer::Table,
            Layer::Decode,
            Layer::Help,
            Layer::Confirm,
        ] {
            let mut seen = std::collections::HashSet::new();
            for b in keymap.bindings(layer) {
                assert!(seen.insert(b.key), "{layer:?}: `{}` bound twice", b.on);
                assert!(!b.desc.is_empty());
            }
        }
    }

    #[test]
    fn layer_first_then_global() {
        let keymap = Keymap::default_keys().expect("parses");
        assert_eq!(
            keymap.resolve(&key('r'), Layer::Table),
            Some(Action::Refresh)
        );
        assert_eq!(keymap.resolve(&key('q'), Layer::Table), Some(Action::Quit));
        assert_eq!(keymap.resolve(&key('?'), Layer::Help), Some(Action::Close));
        assert_eq!(keymap.resolve(&key('z'), Layer::Table), None);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(keymap.resolve(&ctrl_c, Layer::Decode), Some(Action::Quit));
        let shifted_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(
            keymap.resolve(&shifted_g, Layer::Table),
            Some(Action::SelectLast)
        );
    }

    #[test]
    fn bad_key_or_action_is_named() {
        let err = Keymap::parse(
            "[table]\nbindings = [{ on = \"<Hyper-x>\", run = \"quit\", desc = \"q\" }]\n",
            "k.toml",
        )
        .expect_err("bad key");
        assert!(err.contains("k.toml") && err.contains("<Hyper-x>"), "{err}");
        let err = Keymap::parse(
            "[table]\nbindings = [{ on = \"x\", run = \"explode\", desc = \"q\" }]\n",
            "k.toml",
        )
        .expect_err("bad action");
        assert!(err.contains("k.toml") && err.contains("line 2"), "{err}");
    }

    #[test]
    fn key_strings_round_trip() {
        for text in ["q", "?", "<C-c>", "<Enter>", "<Esc>", "<Up>", "<PageDown>"] {
            assert!(parse_key(text).is_some(), "{text}");
        }
        assert_eq!(parse_key("<Nope>"), None);
        assert_eq!(parse_key(""), None);
    }
}
