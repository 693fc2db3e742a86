/// Overflow-checked arithmetic on file-derived integers: nil instead of a trap.
package enum Checked {
  package static func add(_ a: Int, _ b: Int) -> Int? {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? nil : sum
  }

  package static func multiply(_ a: Int, _ b: Int) -> Int? {
    let (product, overflow) = a.multipliedReportingOverflow(by: b)
    return overflow ? nil : product
  }

  /// The product of `values`, or nil if it overflows (0 whenever a value is 0, however large the others).
  package static func product(_ values: [Int]) -> Int? {
    if values.contains(0) { return 0 }
    var result = 1
    for value in values {
      guard let next = multiply(result, value) else { return nil }
      result = next
    }
    return result
  }
}
