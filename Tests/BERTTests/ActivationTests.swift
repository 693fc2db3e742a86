import Testing
@testable import BERT

/// Each `hidden_act` against reference values computed in double precision from transformers' formulas.
@Suite("Activations")
struct ActivationTests {
  static let inputs: [Float] = [-6, -3, -1.5, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 2.5, 4, 9, 12]

  static let references: [(String, [Double])] = [
    ("gelu", [-5.919525869479969e-09, -0.00404969409489031, -0.10021080190328713, -0.15426876936299344, -0.000499601057786089, 0,
              0.000500398942213911, 0.34573123063700656, 0.8413447460685429, 2.4844758366855597, 3.9998733150326675, 9, 12]),
    ("gelu_new", [-8.43964897967453e-11, -0.0036373920817729943, -0.10042842301976707, -0.15428599017485606, -0.000499601057786418, 0,
                  0.000500398942213582, 0.34571400982514394, 0.8411919906082768, 2.484915733910001, 3.9999297540518075, 9, 12]),
    ("gelu_fast", [-8.43964897967453e-11, -0.003637392081860591, -0.1004284230206536, -0.15428599017516514, -0.0004996010577864194, 0,
                   0.0005003989422135805, 0.34571400982483486, 0.841191990607477, 2.4849157339097268, 3.999929754051805, 9, 12]),
    ("quick_gelu", [-0.00022035354978739243, -0.01807130970778597, -0.10833780155292341, -0.1496115633936199, -0.0004995745001027158, 0,
                    0.0005004254998972841, 0.35038843660638014, 0.8457957659328212, 2.46501383495143, 3.9955852758604187,
                    8.999997996822012, 11.999999983813582]),
    ("relu", [0, 0, 0, 0, 0, 0, 0.001, 0.5, 1, 2.5, 4, 9, 12]),
    ("silu", [-0.014835738939808645, -0.14227761953270035, -0.2736382857095345, -0.1887703343990727, -0.0004997500000208334, 0,
              0.0005002499999791667, 0.3112296656009273, 0.7310585786300049, 2.3103545499468914, 3.928055160151634, 8.998889448816124,
              11.999926269904773]),
    ("tanh", [-0.9999877116507956, -0.9950547536867305, -0.9051482536448664, -0.46211715726000974, -0.0009999996666668, 0,
              0.0009999996666668, 0.46211715726000974, 0.7615941559557649, 0.9866142981514303, 0.999329299739067, 0.999999969540041,
              0.9999999999244973]),
    ("sigmoid", [0.0024726231566347743, 0.04742587317756678, 0.18242552380635635, 0.3775406687981454, 0.4997500000208333, 0.5,
                 0.5002499999791666, 0.6224593312018546, 0.7310585786300049, 0.9241418199787566, 0.9820137900379085, 0.9998766054240137,
                 0.9999938558253978]),
    ("mish", [-0.014854080479424995, -0.1456474612756246, -0.29809974216680674, -0.22074377465173, -0.0005996799840458665, 0,
              0.000600319983954133, 0.3752452113048951, 0.8650983882673103, 2.471392304557881, 3.9974128069762385, 8.999999725928019,
              11.99999999909398]),
    ("gelu_10", [-5.919525869479969e-09, -0.00404969409489031, -0.10021080190328713, -0.15426876936299344, -0.000499601057786089, 0,
                 0.000500398942213911, 0.34573123063700656, 0.8413447460685429, 2.4844758366855597, 3.9998733150326675, 9, 10]),
  ]

  /// Names that share a formula with one of the references.
  static let aliases = ["gelu_python": "gelu", "gelu_pytorch_tanh": "gelu_new", "gelu_accurate": "gelu_new", "swish": "silu"]

  @Test("matches the reference formula", arguments: Activation.allCases)
  func reference(_ activation: Activation) throws {
    let name = ActivationTests.aliases[activation.rawValue] ?? activation.rawValue
    let expected: [Double] = activation == .linear
      ? ActivationTests.inputs.map(Double.init)
      : try #require(ActivationTests.references.first { $0.0 == name }?.1, "no reference for \(name)")
    var applied = ActivationTests.inputs
    applied.withUnsafeMutableBufferPointer { activation.apply($0.baseAddress!, count: $0.count) }
    for (i, x) in ActivationTests.inputs.enumerated() {
      let scalar = Double(activation(x))
      #expect(abs(scalar - expected[i]) <= 1e-6 + 1e-5 * abs(expected[i]), "\(activation.rawValue)(\(x)) = \(scalar), expected \(expected[i])")
      #expect(Double(applied[i]) == scalar, "the buffer path differs from the scalar path at \(x)")
    }
  }

  @Test("gelu is exact (erf), not the tanh approximation")
  func geluIsExact() {
    // At x = -3 the two differ by 4e-4, far above float rounding.
    #expect(abs(Double(Activation.gelu(-3)) - -0.00404969409489031) < 1e-7)
    #expect(abs(Double(Activation.geluNew(-3)) - -0.0036373920817729943) < 1e-7)
  }

  @Test("an unknown hidden_act is a clear unsupported error")
  func unknown() {
    #expect { try Activation(configName: "gelu_banana") } throws: { error in
      guard let error = error as? BERTError else { return false }
      return error.code == .unsupported && error.detail.contains("gelu_banana") && error.detail.contains("gelu_new")
    }
  }
}
