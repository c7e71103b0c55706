"""The emission ledger: every figure as a line that pins its factor; explicit recalculations."""
