"""Typed script parameters: declared on the record and/or inline in the
script, merged per version, validated and normalized for every run."""

from .merge import effective_parameters, merge
from .models import ParameterDeclaration, declarations_of
from .schema import parameters_schema
from .validation import secret_names, validate_arguments

__all__ = ["ParameterDeclaration", "declarations_of", "effective_parameters", "merge", "parameters_schema", "secret_names", "validate_arguments"]
