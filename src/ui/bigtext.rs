//! Figures in big block digits for the presenter theme: a 3×5 pixel font, drawn either with
//! half blocks (3 rows) or with full blocks two columns wide (5 rows).

/// Each glyph's pixel rows, `#` set.
fn glyph(c: char) -> [&'static str; 5] {
    match c {
        '0' => ["###", "# #", "# #", "# #", "###"],
        '1' => [" # ", "## ", " # ", " # ", "###"],
        '2' => ["###", "  #", "###", "#  ", "###"],
        '3' => ["###", "  #", " ##", "  #", "###"],
        '4' => ["# #", "# #", "###", "  #", "  #"],
        '5' => ["###", "#  ", "###", "  #", "###"],
        '6' => ["###", "#  ", "###", "# #", "###"],
        '7' => ["###", "  #", "  #", " # ", " # "],
        '8' => ["###", "# #", "###", "# #", "###"],
        '9' => ["###", "# #", "###", "  #", "###"],
        '%' => ["# #", "  #", " # ", "#  ", "# #"],
        '.' => [" ", " ", " ", " ", "#"],
        '-' => ["   ", "   ", "###", "   ", "   "],
        'k' => ["#  ", "# #", "## ", "# #", "# #"],
        'M' => ["# #", "###", "###", "# #", "# #"],
        ' ' => [" ", " ", " ", " ", " "],
        _ => ["###", "  #", " ##", "   ", " # "],
    }
}

/// How the glyphs are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// Two pixel rows per line with ▀ ▄ █: 3 lines tall.
    Half,
    /// A pixel is `██`: 5 lines tall.
    Full,
}

impl Size {
    pub fn height(self) -> u16 {
        match self {
            Size::Half => 3,
            Size::Full => 5,
        }
    }
}

/// The text's pixel rows, glyphs one pixel apart.
fn pixels(text: &str) -> [String; 5] {
    let mut rows: [String; 5] = Default::default();
    for (i, c) in text.chars().enumerate() {
        for (row, bits) in rows.iter_mut().zip(glyph(c)) {
            if i > 0 {
                row.push(' ');
            }
            row.push_str(bits);
        }
    }
    rows
}

/// The text drawn big, one string per line; all lines are equally wide.
pub fn render(text: &str, size: Size) -> Vec<String> {
    let rows = pixels(text);
    let on = |row: &str, x: usize| row.as_bytes().get(x) == Some(&b'#');
    let width = rows[0].len();
    match size {
        Size::Full => rows
            .iter()
            .map(|r| {
                (0..width)
                    .map(|x| if on(r, x) { "██" } else { "  " })
                    .collect()
            })
            .collect(),
        Size::Half => (0..3)
            .map(|line| {
                let top = &rows[line * 2];
                let bottom = rows.get(line * 2 + 1).map_or("", String::as_str);
                (0..width)
                    .map(|x| match (on(top, x), on(bottom, x)) {
                        (true, true) => '█',
                        (true, false) => '▀',
                        (false, true) => '▄',
                        (false, false) => ' ',
                    })
                    .collect()
            })
            .collect(),
    }
}

/// Columns the text takes drawn big.
pub fn width(text: &str, size: Size) -> u16 {
    let w = pixels(text)[0].len() as u16;
    match size {
        Size::Half => w,
        Size::Full => w * 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_blocks_fold_two_pixel_rows_into_one_line() {
        assert_eq!(render("1", Size::Half), vec!["▄█ ", " █ ", "▀▀▀"]);
        assert_eq!(render("0.5", Size::Half)[2], "▀▀▀ ▀ ▀▀▀");
        assert_eq!(width("0.5", Size::Full), 18);
        assert_eq!(render("7", Size::Full).len(), 5);
    }
}
