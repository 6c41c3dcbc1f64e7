import Foundation
import FuzzChecks
import Testing

@testable import ChargebackKit

/// The committed inputs of a fuzz target: its seeds and every input that once broke it.
func fuzzInputs(_ target: String) throws -> [URL] {
    let fm = FileManager.default
    var urls: [URL] = []
    for kind in ["seeds", "regressions"] {
        let dir = packageRoot.appendingPathComponent("Tests/Fuzz/\(kind)/\(target)")
        let names = (try? fm.contentsOfDirectory(atPath: dir.path)) ?? []
        urls += names.filter { !$0.hasPrefix(".") }.sorted().map { dir.appendingPathComponent($0) }
    }
    return urls
}

@Suite("The fuzz targets' checks over their seeds and regressions (Tests/Fuzz)")
struct FuzzCorpusTests {
    @Test("every reader seed and regression passes the reader's fuzz check")
    func reader() throws {
        let scratch = try TempDir()
        let check = ReaderCheck(scratch: scratch.url)
        let inputs = try fuzzInputs("reader")
        #expect(inputs.count >= 14)
        for url in inputs {
            let violations = check.violations(Array(try Data(contentsOf: url)))
            #expect(violations.isEmpty, "\(url.lastPathComponent): \(violations.joined(separator: "\n"))")
        }
    }

    @Test("every configuration seed and regression passes the configuration's fuzz check")
    func config() throws {
        let inputs = try fuzzInputs("config")
        #expect(inputs.count >= 4)
        for url in inputs {
            let violations = ConfigCheck.violations(Array(try Data(contentsOf: url)))
            #expect(violations.isEmpty, "\(url.lastPathComponent): \(violations.joined(separator: "\n"))")
        }
    }

    @Test("the reader's check finds what it is there to find")
    func checkCanFail() throws {
        // The check is only worth its runs if a broken invariant shows: a CSV writer that
        // leaves a quote unescaped, or an unterminated record, is not RFC 4180.
        #expect(RFC4180.parse(Array("a,b\r\n1,\"x\"\"y\"\r\n".utf8)) == [["a", "b"], ["1", "x\"y"]])
        #expect(RFC4180.parse(Array("a,b\r\n1,x\"y\r\n".utf8)) == nil)
        #expect(RFC4180.parse(Array("a,b\r\n1,2".utf8)) == nil)
        #expect(RFC4180.parse(Array("a,b\n".utf8)) == nil)
        #expect(RFC4180.parse(Array("a,\r\n".utf8)) == [["a", ""]])
        #expect(GzipWriter.compress(Array("hello".utf8)).prefix(2) == [0x1F, 0x8B])
    }
}
