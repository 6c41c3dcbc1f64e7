import Foundation

/// One bar of the compute-unit chart: a day (or a month or year on long periods).
struct ChartBucket: Sendable {
    /// The full label, e.g. `2026-10-04`.
    var label: String
    /// The short label under the axis, e.g. `4`.
    var tick: String
    /// CU of succeeded jobs (the solid part of the bar).
    var succeededCU: Decimal = 0
    /// CU of failed, cancelled and open jobs (the hatched part).
    var otherCU: Decimal = 0
    var jobs = 0
}

/// The SVG charts of the management summary. Colours are chosen to stay apart in grey-scale
/// print: solid dark bars against light, hatched ones; every chart carries a `<title>`, a
/// `<desc>` or `aria-label`, and the page shows the same numbers in a table.
enum Charts {
    static let solid = "#2b5c8a"
    static let hatchLine = "#9b3022"
    static let hatchFill = "#f5dcd7"
    static let track = "#e4e4e4"
    static let ink = "#222222"
    static let grid = "#d0d0d0"

    /// A stacked bar chart of CU per bucket with labelled axes.
    static func cuChart(_ buckets: [ChartBucket], id: String, title: String, description: String, xAxisTitle: String) -> SVGMarkup {
        let width = 960.0
        let left = 76.0, right = 16.0, top = 44.0, bottom = 262.0
        let plotWidth = width - left - right, plotHeight = bottom - top
        let maxValue = buckets.map { double($0.succeededCU + $0.otherCU) }.max() ?? 0
        let (step, tickCount, decimals) = niceTicks(maxValue)
        let scaleTop = step * Double(tickCount)
        func y(_ v: Double) -> Double { bottom - v / scaleTop * plotHeight }

        var svg = SVGBuilder([
            ("viewBox", "0 0 960 330"), ("class", "chart"), ("role", "img"), ("aria-labelledby", "\(id)-title \(id)-desc"),
        ])
        svg.element("title", [("id", "\(id)-title")], text: title)
        svg.element("desc", [("id", "\(id)-desc")], text: description)
        svg.open("defs")
        hatchPattern(&svg, id: "\(id)-hatch")
        svg.close()
        svg.leaf("rect", [("x", "0"), ("y", "0"), ("width", "960"), ("height", "330"), ("fill", "#ffffff")])

        // Legend.
        svg.open("g", [("font-size", "12"), ("fill", ink)])
        svg.leaf("rect", [("x", n(left)), ("y", "10"), ("width", "14"), ("height", "14"), ("fill", solid)])
        svg.element("text", [("x", n(left + 20)), ("y", "21")], text: "CU of succeeded jobs")
        svg.leaf("rect", [("x", n(left + 190)), ("y", "10"), ("width", "14"), ("height", "14"), ("fill", "url(#\(id)-hatch)"), ("stroke", hatchLine)])
        svg.element("text", [("x", n(left + 210)), ("y", "21")], text: "CU of failed, cancelled and open jobs")
        svg.close()

        // Horizontal grid lines and y-axis tick labels.
        svg.open("g", [("font-size", "11"), ("fill", ink), ("text-anchor", "end")])
        for k in 0...tickCount {
            let v = step * Double(k)
            let yy = y(v)
            if k > 0 {
                svg.leaf("line", [("x1", n(left)), ("x2", n(width - right)), ("y1", n(yy)), ("y2", n(yy)), ("stroke", grid), ("stroke-width", "1")])
            }
            svg.element("text", [("x", n(left - 8)), ("y", n(yy + 4))], text: DisplayFormat.group(String(format: "%.\(decimals)f", v)))
        }
        svg.close()

        // Bars, each with a tooltip title.
        let band = buckets.isEmpty ? plotWidth : plotWidth / Double(buckets.count)
        let barWidth = max(1, band * 0.72)
        for (i, b) in buckets.enumerated() {
            let x = left + band * Double(i) + (band - barWidth) / 2
            let s = double(b.succeededCU), o = double(b.otherCU)
            svg.open("g")
            svg.element(
                "title",
                text:
                    "\(b.label): \(DisplayFormat.decimal(b.succeededCU + b.otherCU)) CU (succeeded jobs \(DisplayFormat.decimal(b.succeededCU)), other jobs \(DisplayFormat.decimal(b.otherCU))), \(DisplayFormat.count(b.jobs, "job", "jobs"))"
            )
            if s > 0 {
                svg.leaf("rect", [("x", n(x)), ("y", n(y(s))), ("width", n(barWidth)), ("height", n(bottom - y(s))), ("fill", solid)])
            }
            if o > 0 {
                svg.leaf(
                    "rect",
                    [
                        ("x", n(x)), ("y", n(y(s + o))), ("width", n(barWidth)), ("height", n(y(s) - y(s + o))), ("fill", "url(#\(id)-hatch)"),
                        ("stroke", hatchLine), ("stroke-width", "0.6"),
                    ])
            }
            svg.close()
        }

        // Axes and x-axis tick labels (thinned so they never overlap).
        svg.leaf("line", [("x1", n(left)), ("x2", n(left)), ("y1", n(top - 6)), ("y2", n(bottom)), ("stroke", ink), ("stroke-width", "1")])
        svg.leaf("line", [("x1", n(left)), ("x2", n(width - right)), ("y1", n(bottom)), ("y2", n(bottom)), ("stroke", ink), ("stroke-width", "1")])
        let longest = Double(buckets.map(\.tick.count).max() ?? 1)
        let every = max(1, Int((longest * 7 + 8) / band) + 1)
        svg.open("g", [("font-size", "11"), ("fill", ink), ("text-anchor", "middle")])
        for (i, b) in buckets.enumerated() where i % every == 0 {
            let cx = left + band * (Double(i) + 0.5)
            svg.leaf("line", [("x1", n(cx)), ("x2", n(cx)), ("y1", n(bottom)), ("y2", n(bottom + 4)), ("stroke", ink)])
            svg.element("text", [("x", n(cx)), ("y", n(bottom + 17))], text: b.tick)
        }
        svg.close()

        // Axis titles.
        svg.element("text", [("x", n(left + plotWidth / 2)), ("y", "312"), ("font-size", "13"), ("fill", ink), ("text-anchor", "middle")], text: xAxisTitle)
        svg.element(
            "text",
            [
                ("x", "0"), ("y", "0"), ("font-size", "13"), ("fill", ink), ("text-anchor", "middle"),
                ("transform", "translate(18 \(n(top + plotHeight / 2))) rotate(-90)"),
            ], text: "Compute units (CU)")
        return svg.finish()
    }

    /// A small horizontal bar of `part / whole`: a share of the total, or the use of a budget.
    /// Over budget, the part beyond the budget is hatched and a mark shows where 100% lies.
    static func ratioBar(_ ratio: Double, id: String, label: String, budget: Bool) -> SVGMarkup {
        let w = 120.0, h = 12.0
        var svg = SVGBuilder([("viewBox", "0 0 120 12"), ("class", "bar"), ("role", "img"), ("aria-label", label)])
        svg.element("title", text: label)
        if budget && ratio > 1 {
            svg.open("defs")
            hatchPattern(&svg, id: "\(id)-hatch")
            svg.close()
        }
        svg.leaf("rect", [("x", "0"), ("y", "0"), ("width", n(w)), ("height", n(h)), ("fill", track)])
        let r = ratio.isFinite ? max(0, ratio) : 0
        if budget && r > 1 {
            let mark = w / r
            svg.leaf("rect", [("x", "0"), ("y", "0"), ("width", n(mark)), ("height", n(h)), ("fill", solid)])
            svg.leaf("rect", [("x", n(mark)), ("y", "0"), ("width", n(w - mark)), ("height", n(h)), ("fill", "url(#\(id)-hatch)")])
            svg.leaf("line", [("x1", n(mark)), ("x2", n(mark)), ("y1", "-1"), ("y2", "13"), ("stroke", ink), ("stroke-width", "1.5")])
        } else if r > 0 {
            svg.leaf("rect", [("x", "0"), ("y", "0"), ("width", n(max(0.5, min(r, 1) * w))), ("height", n(h)), ("fill", solid)])
        }
        svg.leaf(
            "rect", [("x", "0.25"), ("y", "0.25"), ("width", "119.5"), ("height", "11.5"), ("fill", "none"), ("stroke", "#777777"), ("stroke-width", "0.5")])
        return svg.finish()
    }

    private static func hatchPattern(_ svg: inout SVGBuilder, id: String) {
        svg.open("pattern", [("id", id), ("width", "6"), ("height", "6"), ("patternUnits", "userSpaceOnUse"), ("patternTransform", "rotate(45)")])
        svg.leaf("rect", [("width", "6"), ("height", "6"), ("fill", hatchFill)])
        svg.leaf("line", [("x1", "0"), ("y1", "0"), ("x2", "0"), ("y2", "6"), ("stroke", hatchLine), ("stroke-width", "2.5")])
        svg.close()
    }

    /// A step of 1, 2 or 5 × 10^k giving at most six ticks above `maxValue`, the tick count, and
    /// the decimals its labels need.
    static func niceTicks(_ maxValue: Double) -> (step: Double, count: Int, decimals: Int) {
        guard maxValue > 0, maxValue.isFinite else { return (1, 1, 0) }
        let raw = maxValue / 5
        let exponent = floor(log10(raw))
        let magnitude = pow(10, exponent)
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let count = max(1, Int((maxValue / step).rounded(.up)))
        let stepExponent = Int(floor(log10(step) + 1e-9))
        return (step, count, max(0, -stepExponent))
    }

    static func double(_ d: Decimal) -> Double { NSDecimalNumber(decimal: d).doubleValue }

    private static func n(_ v: Double) -> String { SVGBuilder.number(v) }
}
