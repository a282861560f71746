//! Aligned plain-text tables for the human output of `send` and `status`.
//!
//! Cells hold names, ids and AWS's messages: each is [`escape`]d as it is
//! added, so no control character or bidi override reaches the terminal and
//! no cell breaks its row, and the widths are those of what is printed.

use reconcile_model::escape::escape;

/// A table: a header row and rows of cells, columns padded to their widest
/// cell. Columns whose cells are all empty are left out.
pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    indent: usize,
}

impl Table {
    pub fn new(headers: &[&'static str]) -> Self {
        Self {
            headers: headers.to_vec(),
            rows: Vec::new(),
            indent: 0,
        }
    }

    /// Spaces before every line.
    pub fn indent(mut self, n: usize) -> Self {
        self.indent = n;
        self
    }

    /// Adds a row; its cells are escaped.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows
            .push(cells.into_iter().map(|c| escape(&c).into_owned()).collect());
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table, one line per row after the header, each ending in `\n`.
    pub fn render(&self) -> String {
        let cell = |row: &[String], i: usize| row.get(i).map_or("", String::as_str).to_owned();
        let columns: Vec<usize> = (0..self.headers.len())
            .filter(|&i| self.rows.iter().any(|r| !cell(r, i).is_empty()))
            .collect();
        let width = |i: usize| {
            self.rows
                .iter()
                .map(|r| cell(r, i).chars().count())
                .chain(std::iter::once(self.headers[i].chars().count()))
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = columns.iter().map(|&i| width(i)).collect();
        let line = |cells: Vec<String>| {
            let mut out = " ".repeat(self.indent);
            let last = cells.len().saturating_sub(1);
            for (n, (c, w)) in cells.iter().zip(&widths).enumerate() {
                out.push_str(c);
                if n < last {
                    out.push_str(&" ".repeat(w - c.chars().count() + 2));
                }
            }
            out.truncate(out.trim_end().len());
            out.push('\n');
            out
        };
        let mut out = line(
            columns
                .iter()
                .map(|&i| self.headers[i].to_owned())
                .collect(),
        );
        for r in &self.rows {
            out.push_str(&line(columns.iter().map(|&i| cell(r, i)).collect()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_empty_ones_go() {
        let mut t = Table::new(&["A", "EMPTY", "LONGER", "C"]).indent(2);
        t.row(vec!["x".into(), String::new(), "1".into(), "end".into()]);
        t.row(vec![
            "wide cell".into(),
            String::new(),
            String::new(),
            "e".into(),
        ]);
        assert_eq!(
            t.render(),
            "  A          LONGER  C\n  x          1       end\n  wide cell          e\n"
        );
    }

    #[test]
    fn cells_are_escaped_and_aligned_as_printed() {
        let mut t = Table::new(&["NAME", "NOTE"]);
        t.row(vec!["red\u{1b}[31m".into(), "a\nb".into()]);
        t.row(vec!["x\u{202e}y".into(), "ok".into()]);
        assert_eq!(
            t.render(),
            "NAME           NOTE\nred\\u{1b}[31m  a\\nb\nx\\u{202e}y     ok\n"
        );
    }
}
