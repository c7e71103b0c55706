"""Carbon credits retired for climate neutrality: a register of their own, never netted from
emissions."""
