"""The built-in rule pack.

Every public module here holds one rule.  The pack registers through the
``leakscan.rules`` entry-point group exactly as a third-party pack does; the
registry finds the Rule subclasses by walking the package.
"""
