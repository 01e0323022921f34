"""Stata's command language: lexer, syntax tree, parser, option tables (stdlib only)."""

from .lexer import CommandSource, split_commands, tokenize
from .parser import parse, parse_program

__all__ = ["CommandSource", "parse", "parse_program", "split_commands", "tokenize"]
