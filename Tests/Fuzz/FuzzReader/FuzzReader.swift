import CLibFuzzer
import Foundation
import FuzzChecks

// Built only by Tests/Fuzz/run.sh. SwiftPM links executables with `--defsym main=FuzzReader_main`
// and this module, compiled with -parse-as-library, has no `main` of its own: this function is
// the entry point, and libFuzzer's driver does the rest (its own `main` is never linked in).

/// The oracle, with a scratch directory of its own for the files it writes.
let check = ReaderCheck(
    scratch: FileManager.default.temporaryDirectory.appendingPathComponent("chargeback-fuzz-reader-\(getpid())"))

@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let violations = check.violations(bytes)
    if !violations.isEmpty {
        fatalError("the reader broke an invariant:\n" + violations.joined(separator: "\n"))
    }
    return 0
}

@_cdecl("FuzzReader_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    let status = LLVMFuzzerRunDriver(&argc, &argv, testOneInput)
    check.removeScratch()
    return status
}
