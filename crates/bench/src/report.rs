//! The results as JSON, a Markdown table with the targets, and an
//! SVG chart of time against stack size next to the bound.

use std::fmt::Write as _;
use std::path::Path;

use miette::{IntoDiagnostic, Result, miette};
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::Args;
use crate::results::{Phase, Results};

/// Where `--publish` writes.
const DOCS_DIR: &str = "docs/bench";
const README: &str = "README.md";
const START: &str = "<!-- bench-results:start -->";
const END: &str = "<!-- bench-results:end -->";

pub fn write(args: &Args, r: &Results) -> Result<()> {
    let json = serde_json::to_string_pretty(r).into_diagnostic()?;
    let md = markdown(r);
    let full = format!("{md}\n{}", requests_by_operation(r));
    let out = &args.out;
    std::fs::write(out.join("results.json"), &json).into_diagnostic()?;
    std::fs::write(out.join("results.md"), &full).into_diagnostic()?;
    chart(r, &out.join("chart.svg"))?;
    #[allow(clippy::print_stdout)]
    {
        println!("{md}");
        println!(
            "results: {}/results.json, results.md, chart.svg",
            out.display()
        );
    }
    if args.publish {
        let docs = Path::new(DOCS_DIR);
        std::fs::create_dir_all(docs).into_diagnostic()?;
        std::fs::write(docs.join("results.json"), &json).into_diagnostic()?;
        std::fs::write(docs.join("results.md"), &full).into_diagnostic()?;
        chart(r, &docs.join("chart.svg"))?;
        let readme = std::fs::read_to_string(README).into_diagnostic()?;
        let updated = replace_between(&readme, &md)
            .ok_or_else(|| miette!("{README} has no `{START}` … `{END}` section"))?;
        std::fs::write(README, updated).into_diagnostic()?;
    }
    Ok(())
}

fn replace_between(text: &str, body: &str) -> Option<String> {
    let s = text.find(START)? + START.len();
    let e = s + text[s..].find(END)?;
    Some(format!(
        "{}\n{}\n{}",
        &text[..s],
        body.trim_end(),
        &text[e..]
    ))
}

fn secs(s: f64) -> String {
    if s >= 100.0 {
        format!("{s:.0} s")
    } else if s >= 10.0 {
        format!("{s:.1} s")
    } else {
        format!("{s:.2} s")
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn find<'a>(r: &'a Results, size: usize, phase: &str) -> Option<&'a Phase> {
    r.sizes
        .iter()
        .find(|s| s.resources == size)?
        .phases
        .iter()
        .find(|p| p.name == phase)
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "**missed**" }
}

pub fn markdown(r: &Results) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Emulator latency {} ms ± {} ms, AWS's quotas {}, `apply --parallelism {}`, \
         {} build at `{}`, {} CPUs (load after the run: {}). \
         Bound = the largest of: dependent calls × latency, each operation's calls ÷ its quota, \
         all calls × latency ÷ requests in flight.\n",
        r.latency_ms,
        r.jitter_ms,
        if r.quotas { "on" } else { "off" },
        r.parallelism,
        r.build,
        r.commit,
        r.cpus,
        r.loadavg_after
    );
    md.push_str(
        "| resources | phase | wall | bound (set by) | ÷ bound | requests | throttled | peak RSS | CPU |\n\
         |---:|---|---:|---|---:|---:|---:|---:|---:|\n",
    );
    for s in &r.sizes {
        for p in &s.phases {
            let _ = writeln!(
                md,
                "| {} | {}{} | {} | {} ({}) | {:.2} | {} | {} | {:.0} MiB | {} |",
                thousands(s.resources),
                p.name,
                if p.ok() {
                    String::new()
                } else {
                    format!(" (exit {})", p.exit)
                },
                secs(p.wall_s),
                secs(p.bound.bound_s),
                p.bound.limit,
                p.ratio,
                p.requests,
                p.throttled,
                p.max_rss_mib,
                secs(p.cpu_s)
            );
        }
    }
    md.push('\n');
    for s in &r.sizes {
        let _ = writeln!(
            md,
            "- {}; change phase: {} changed; graph depth {}; left after destroy: {}.",
            s.stack, s.changed, s.graph_depth, s.left_after_destroy
        );
    }
    if let Some(w) = &r.recipe {
        let _ = writeln!(
            md,
            "\n**The recipe's way** ({} resources, one AWS CLI process per call, in sequence, \
             same emulator settings): {} in {} calls{}, against `reconcile`'s cold apply of the \
             same stack in {}: **{:.1}× slower**.",
            w.resources,
            secs(w.wall_s),
            w.calls,
            if w.exit == 0 {
                String::new()
            } else {
                format!(" (**failed**, exit {})", w.exit)
            },
            secs(w.reconcile_wall_s),
            w.ratio
        );
    }
    md.push_str("\n**Targets** (issue 7):\n\n");
    match find(r, 1000, "no-op plan") {
        Some(p) => {
            let _ = writeln!(
                md,
                "- No-op plan of 1,000 resources ≤ 1.5 × bound: {:.2} × ({} ÷ {}), {}.",
                p.ratio,
                secs(p.wall_s),
                secs(p.bound.bound_s),
                verdict(p.ok() && p.ratio <= 1.5)
            );
        }
        None => md.push_str("- No-op plan of 1,000 resources: not measured in this run.\n"),
    }
    match find(r, 1000, "cold apply") {
        Some(p) if r.quotas => {
            let _ = writeln!(
                md,
                "- Cold apply of 1,000 resources ≤ 1.3 × quota bound: {:.2} × ({} ÷ {}, {}), \
                 exit {}, {} throttled responses absorbed, {} server errors; {}.",
                p.quota_ratio,
                secs(p.wall_s),
                secs(p.bound.quota_s),
                p.bound.quota_op.as_deref().unwrap_or("-"),
                p.exit,
                p.throttled,
                p.server_errors,
                verdict(p.ok() && p.quota_ratio <= 1.3 && p.server_errors == 0)
            );
        }
        _ => {
            md.push_str("- Cold apply of 1,000 resources with quotas: not measured in this run.\n");
        }
    }
    match find(r, 5000, "no-op plan") {
        Some(p) => {
            let _ = writeln!(
                md,
                "- Peak memory of a plan of 5,000 resources < 150 MB: {:.0} MiB ({:.0} MB), {}.",
                p.max_rss_mib,
                p.max_rss_mib * 1.048_576,
                verdict(p.max_rss_mib * 1.048_576 < 150.0)
            );
        }
        None => md.push_str("- Plan of 5,000 resources: not measured in this run.\n"),
    }
    md
}

/// Per stack size, the requests of each operation in each phase, with the
/// throttled ones in parentheses.
pub fn requests_by_operation(r: &Results) -> String {
    let mut md = String::from("## Requests by operation\n");
    for s in &r.sizes {
        let ops: std::collections::BTreeSet<&String> = s
            .phases
            .iter()
            .flat_map(|p| p.by_operation.keys())
            .collect();
        let _ = writeln!(md, "\n### {} resources\n", thousands(s.resources));
        md.push_str("| operation |");
        for p in &s.phases {
            let _ = write!(md, " {} |", p.name);
        }
        md.push_str("\n|---|");
        md.push_str(&"---:|".repeat(s.phases.len()));
        md.push('\n');
        for op in ops {
            let _ = write!(md, "| {op} |");
            for p in &s.phases {
                match (p.by_operation.get(op), p.throttled_by_operation.get(op)) {
                    (Some(n), Some(t)) => {
                        let _ = write!(md, " {n} ({t}) |");
                    }
                    (Some(n), None) => {
                        let _ = write!(md, " {n} |");
                    }
                    (None, _) => md.push_str(" |"),
                }
            }
            md.push('\n');
        }
    }
    md
}

/// Time against stack size (log–log): cold apply and no-op plan, each next
/// to its bound (dashed), and the recipe's way.
#[allow(clippy::cast_precision_loss)]
fn chart(r: &Results, path: &Path) -> Result<()> {
    let series = |phase: &str, bound: bool| -> Vec<(f64, f64)> {
        r.sizes
            .iter()
            .filter_map(|s| {
                let p = s.phases.iter().find(|p| p.name == phase)?;
                let y = if bound { p.bound.bound_s } else { p.wall_s };
                (y > 0.0).then_some((s.resources as f64, y))
            })
            .collect()
    };
    let lines = [
        ("cold apply", false, RGBColor(0x1f, 0x77, 0xb4)),
        ("cold apply", true, RGBColor(0x1f, 0x77, 0xb4)),
        ("no-op plan", false, RGBColor(0xd6, 0x27, 0x28)),
        ("no-op plan", true, RGBColor(0xd6, 0x27, 0x28)),
    ];
    let all: Vec<(f64, f64)> = lines
        .iter()
        .flat_map(|(p, b, _)| series(p, *b))
        .chain(r.recipe.iter().map(|w| (w.resources as f64, w.wall_s)))
        .collect();
    if all.is_empty() {
        return Ok(());
    }
    let (xmin, xmax) = all.iter().fold((f64::MAX, f64::MIN), |(a, b), (x, _)| {
        (a.min(*x), b.max(*x))
    });
    let (ymin, ymax) = all.iter().fold((f64::MAX, f64::MIN), |(a, b), (_, y)| {
        (a.min(*y), b.max(*y))
    });

    let draw = || -> std::result::Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::new(path, (860, 520)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut c = ChartBuilder::on(&root)
            .caption(
                format!(
                    "reconcile against the emulator ({} ms latency, quotas {})",
                    r.latency_ms,
                    if r.quotas { "on" } else { "off" }
                ),
                ("sans-serif", 20),
            )
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(
                (xmin * 0.8..xmax * 1.25).log_scale(),
                (ymin * 0.5..ymax * 2.0).log_scale(),
            )?;
        c.configure_mesh()
            .x_desc("resources in the stack")
            .y_desc("seconds")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y}"))
            .draw()?;
        for (phase, bound, color) in lines {
            let data = series(phase, bound);
            let label = if bound {
                format!("{phase}: bound")
            } else {
                format!("{phase}: measured")
            };
            if bound {
                c.draw_series(DashedLineSeries::new(
                    data,
                    6,
                    4,
                    ShapeStyle::from(color).stroke_width(2),
                ))?
                .label(label)
                .legend(move |(x, y)| {
                    DashedPathElement::new(vec![(x, y), (x + 20, y)], 4, 3, color)
                });
            } else {
                c.draw_series(LineSeries::new(data.clone(), color.stroke_width(2)))?
                    .label(label)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
                c.draw_series(data.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
            }
        }
        if let Some(w) = &r.recipe {
            let green = RGBColor(0x2c, 0xa0, 0x2c);
            c.draw_series(std::iter::once(TriangleMarker::new(
                (w.resources as f64, w.wall_s),
                7,
                green.filled(),
            )))?
            .label("cold apply the recipe's way (one AWS CLI process per call)")
            .legend(move |(x, y)| TriangleMarker::new((x + 10, y), 5, green.filled()));
        }
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| miette!("chart {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_the_marked_section() {
        let text = format!("# T\n\n{START}\nold\n{END}\n\nafter\n");
        let out = replace_between(&text, "new table\n").unwrap();
        assert_eq!(out, format!("# T\n\n{START}\nnew table\n{END}\n\nafter\n"));
        assert!(replace_between("no markers", "x").is_none());
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(thousands(5000), "5,000");
        assert_eq!(thousands(100), "100");
        assert_eq!(secs(0.123), "0.12 s");
        assert_eq!(secs(54.3), "54.3 s");
        assert_eq!(secs(250.4), "250 s");
    }
}
