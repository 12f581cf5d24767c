"""The demo's training: five modules in uptake's Markdown format, which use case requires which, and the
learning paths. The usage generator draws who completed a use case's required module (and when) from these
requirements, and the demo records exactly those completions, so the training figures and the events agree."""

from __future__ import annotations

from dataclasses import dataclass

PROMPTING = """---
slug: prompting-basics
title: Prompting basics
summary: How to ask an AI assistant for what you need, and get it in the form you need it.
version: "1.0"
estimated_minutes: 15
pass_mark: 80
max_attempts: 3
status: published
quiz:
  - question: What should a prompt say first?
    choices:
      - text: The task, who it is for and the context the assistant cannot know
        correct: true
      - text: A polite greeting
      - text: Nothing; the assistant guesses from the tool you opened
    explanation: The assistant knows only what you tell it; the task and its context come first.
  - question: Which of these make a draft easier to check? (choose all that apply)
    kind: multiple
    choices:
      - text: Asking for a fixed structure (headings, a list, a table)
        correct: true
      - text: Asking it to quote the source passages it used
        correct: true
      - text: Asking for the longest possible answer
    explanation: Structure and quotations let you check each claim against the source.
---
# Say what you want

A good prompt names **the task** ("draft a reply"), **the reader** ("a customer who is upset about a delay"), **the
material** (paste the ticket, not your memory of it) and **the form** ("three short paragraphs, no jargon").

# Iterate, don't restart

When the first answer misses, say what to change ("shorter", "keep the second paragraph, redo the first"). The
assistant keeps the conversation; starting over loses it.

# Keep a prompt that works

Save the prompts that work for your recurring tasks and share them with your team's champion: the use card of
each use case links the team's best prompts.
"""

CHECKING = """---
slug: checking-ai-output
title: Checking AI output
summary: What to check before you accept, edit or reject what an assistant produced, and when to report it.
version: "1.0"
estimated_minutes: 20
pass_mark: 80
max_attempts: 3
status: published
quiz:
  - question: The draft quotes a procedure number you do not recognise. What do you do?
    choices:
      - text: Look it up in the source; if it does not exist, reject the draft and report the feedback
        correct: true
      - text: Send it; the assistant read more documents than you did
      - text: Delete the number and send the rest unchecked
    explanation: Invented references are the most common failure; check every one against its source.
  - question: Who is accountable for an output you accepted?
    choices:
      - text: You are
        correct: true
      - text: The tool's vendor
      - text: The use case's owner
    explanation: The assistant suggests; the person who accepts the output owns it.
  - question: When is an output an incident rather than feedback?
    choices:
      - text: When it could harm a customer or a colleague, or exposes data it should not
        correct: true
      - text: Whenever it is slow
      - text: Never; incidents are for outages
    explanation: Report harm or a near miss as an incident from the use-case page; it is answered within a set time.
---
# The three outcomes

Every output ends as **accepted** (used as it is), **edited** (used after changes) or **rejected**. Say which:
the figures that decide whether a use case rolls out further come from these choices.

# What to check

Facts and figures against the source, names and numbers, anything the source does not say, and the tone. An
assistant writes fluently when it is wrong, so fluency is not evidence.

# Tell us

Use the feedback button on a bad output (it takes ten seconds) and report an incident when someone could have
been harmed. Feedback is read every week by the use case's owner.
"""

DATA_CLASSES = """---
slug: data-classes
title: Data classes and what never goes into a prompt
summary: Which data each use case may process, and the data that never goes into any prompt.
version: "1.0"
estimated_minutes: 15
pass_mark: 100
max_attempts: 3
status: published
quiz:
  - question: A customer's health details appear in a claim. May they go into the claims assistant?
    choices:
      - text: Only if the use card lists special-category data as allowed; otherwise remove them first
        correct: true
      - text: Yes, everything in a claim may go in
      - text: Yes, if the customer agreed to the claim being processed
    explanation: The use card's data classes are the rule; special-category data needs explicit permission.
  - question: Which of these never go into a prompt? (choose all that apply)
    kind: multiple
    choices:
      - text: Passwords and access keys
        correct: true
      - text: Payment card numbers
        correct: true
      - text: The public text of our terms and conditions
    explanation: Secrets and card data never go into any prompt, whatever the tool.
---
# The four classes

**Public**, **internal**, **confidential** and **personal** data. Each use card lists the classes its use case
may process; the tool behind it has been checked for exactly those.

# Never in a prompt

Passwords, access keys, payment card numbers, and special-category personal data (health, beliefs, union
membership) unless the use card explicitly allows them.

# When in doubt

Leave it out and ask in the use case's questions: its owner or a champion answers.
"""

SUPPORT_CARD = """---
slug: support-reply-drafts-in-practice
title: "Support reply drafts: the use card in practice"
summary: How Tier 1 and Tier 2 use the reply drafts, what the use card allows, and what changed after the incident.
version: "1.1"
estimated_minutes: 20
pass_mark: 80
max_attempts: 3
status: published
quiz:
  - question: The draft offers the customer a refund. What does the use card say?
    choices:
      - text: Refunds are never promised in a draft; check the conditions and decide yourself
        correct: true
      - text: Send it if the customer is upset
      - text: Refunds under 50 euros may be sent unchecked
    explanation: Since the incident, drafts no longer propose refunds, and any that do are rejected and reported.
  - question: Which tickets may you draft replies for?
    choices:
      - text: Those whose data classes the use card lists (no payment data in the ticket)
        correct: true
      - text: All tickets
    explanation: Remove payment details from the ticket text before asking for a draft.
---
# What it is for

First replies to routine tickets: delivery questions, address changes, document requests. You read every draft,
fix it, and send it under your name.

# What the use card allows

Internal and personal data of the customer who wrote, nothing else. No payment details; no promises of refunds
or compensation.

# What changed after the incident

In the incident two months ago, drafts proposed refunds without checking the conditions. The prompt template was
fixed and the use card gained a rule: a draft that promises money is rejected and reported.
"""

LITERACY = """---
slug: ai-literacy
title: AI literacy (EU AI Act Art. 4)
summary: What everyone at Northwind who uses AI needs to know, the basis of our AI-literacy record.
version: "1.0"
estimated_minutes: 30
pass_mark: 80
max_attempts: unlimited
status: published
quiz:
  - question: What does an AI assistant do when it does not know an answer?
    choices:
      - text: It may still produce a fluent, wrong answer
        correct: true
      - text: It always says it does not know
    explanation: Language models predict plausible text; they do not know when they are wrong.
  - question: Where do you find what a use case may be used for?
    choices:
      - text: On its use card in the catalogue
        correct: true
      - text: In the tool's marketing material
    explanation: The use card says what the use case is for, the data it may see and who checks its output.
---
# Why this course

Article 4 of the EU AI Act asks every organization that uses AI systems to ensure its staff have a sufficient
level of AI literacy. This course, with the training each use case requires, is our record of it.

# What AI can and cannot do

Assistants summarise, draft, translate and search well; they invent facts, miss what is not in their input and
reflect the biases of their training data.

# Your part

Use only approved use cases, follow their use cards, check what you accept, and tell us when something goes
wrong.
"""

MODULES = [LITERACY, PROMPTING, CHECKING, DATA_CLASSES, SUPPORT_CARD]
LITERACY_MODULE = "ai-literacy"

# The one module each use case requires (a use case that is not listed requires none).
REQUIRED_TRAINING: dict[str, str] = {
    "meeting-summaries": "prompting-basics",
    "email-drafting": "prompting-basics",
    "code-completion": "checking-ai-output",
    "claims-first-notice": "data-classes",
    "support-reply-drafts": "support-reply-drafts-in-practice",
    "policy-translation": "checking-ai-output",
    "knowledge-search": "checking-ai-output",
    "damage-photo-triage": "data-classes",
    "month-end-commentary": "checking-ai-output",
}


@dataclass(frozen=True)
class DemoLearningPath:
    slug: str
    title: str
    description: str
    job_role: str | None
    modules: tuple[str, ...]


LEARNING_PATHS = [
    DemoLearningPath(
        "everyone",
        "AI at Northwind: the basics",
        "For everyone: AI literacy, then prompting and checking what comes back.",
        None,
        ("ai-literacy", "prompting-basics", "checking-ai-output"),
    ),
    DemoLearningPath(
        "support-agents",
        "Support agents",
        "Before the reply drafts: the data rules and the use card in practice.",
        "Support agent",
        ("ai-literacy", "data-classes", "support-reply-drafts-in-practice"),
    ),
    DemoLearningPath(
        "claims-handlers",
        "Claims handlers",
        "Before the claims assistants: the data rules and checking output.",
        "Claims handler",
        ("ai-literacy", "data-classes", "checking-ai-output"),
    ),
]
