"""AWS protocol plumbing shared by every AWS service: models, codecs, errors, accounts, dispatch."""
