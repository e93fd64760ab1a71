"""``python -m mentorship.contract``: print the contract as Markdown, for docs/data-contract.md."""

from mentorship.contract.render import markdown

print(markdown())
