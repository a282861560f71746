"""Builds the Pinpoint push recipe's stack by hand, with the recipe's own AWS
CLI commands, against the endpoint in AWS_ENDPOINT_URL, and leaves it there.

The commands are those of the emulator's recipe test
(crates/emulator/tests/py/recipe.py, which holds them verbatim from
shared/seed/000_ca2d0af78519904c.txt, with the same placeholder values and
the same correction of the recipe's one defect). Two adaptations here:
- RANDOM_SUFFIX is the first argument instead of a password from
  Secrets Manager, so that the names are known in advance;
- the recipe stops after step 10: no validation reads, no cleanup.

Prints, as its last line, a JSON object with the shell's variables:
{"suffix", "app_id", "segment_id", "campaign_id", "role_arn"}.

Usage: python recipe_stack.py SUFFIX  (exit status 0 when every step passed)
"""

import json
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(
    0, os.path.join(HERE, "..", "..", "crates", "emulator", "tests", "py")
)

import recipe  # noqa: E402  (the recipe's commands, and the runner)


def main():
    if len(sys.argv) != 2 or not re.fullmatch(r"[a-z0-9]{6}", sys.argv[1]):
        print("usage: recipe_stack.py SUFFIX (6 lowercase letters or digits)")
        return 2
    suffix = sys.argv[1]
    preparation, n = re.subn(
        r"RANDOM_SUFFIX=\$\(aws secretsmanager get-random-password.*?RandomPassword\)",
        f"RANDOM_SUFFIX={suffix}",
        recipe.PREPARATION,
        flags=re.DOTALL,
    )
    if n != 1:
        print("the recipe's RANDOM_SUFFIX line was not found in recipe.PREPARATION")
        return 1

    state = tempfile.NamedTemporaryFile("w", suffix=".env", delete=False)
    state.close()
    recipe.STATE = state

    def nothing(_out, _docs):
        pass

    recipe.step("preparation", preparation, nothing)
    recipe.step("step 1", recipe.STEP_1, nothing)
    recipe.step("step 2", recipe.STEP_2, nothing)
    recipe.step("step 3", recipe.STEP_3, nothing)
    recipe.step("step 4", recipe.STEP_4, nothing)
    recipe.step("step 5", recipe.STEP_5, nothing)
    recipe.step("step 6", recipe.STEP_6, nothing)
    recipe.step("step 7", recipe.STEP_7, nothing)
    recipe.step("step 8", recipe.STEP_8, nothing)
    recipe.step("step 9 (create stream)", recipe.STEP_9A, nothing)
    # Not a recipe command: the stream is ACTIVE when the recipe waits.
    recipe.advance_clock(1500)
    recipe.step("step 9 (wait, event stream)", recipe.STEP_9B, nothing)
    recipe.step("step 10", recipe.STEP_10, nothing)

    found = {
        "suffix": recipe.var("RANDOM_SUFFIX"),
        "app_id": recipe.var("PINPOINT_APP_ID"),
        "segment_id": recipe.var("SEGMENT_ID"),
        "campaign_id": recipe.var("CAMPAIGN_ID"),
        "role_arn": recipe.var("PINPOINT_ROLE_ARN"),
    }
    os.unlink(state.name)
    if found["suffix"] != suffix:
        recipe.fail("preparation", f"RANDOM_SUFFIX is {found['suffix']!r}")
    for k, v in found.items():
        if not v or "\n" in v or "\t" in v:
            recipe.fail("after step 10", f"{k} is {v!r} (one value wanted)")
    if recipe.FAILURES:
        print("\n".join(["", "FAILED:"] + recipe.FAILURES))
        return 1
    print(json.dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
