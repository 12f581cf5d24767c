"""A labelled set of feedback comments with known themes, written for the theme tests (not real feedback)."""

COMMENTS: dict[str, list[str]] = {
    "made-up facts": [
        "The summary quoted a revenue figure that is nowhere in the report.",
        "It invented a policy clause that our contract does not contain.",
        "The answer cited a regulation article that does not exist.",
        "Numbers in the draft were made up, they do not match the spreadsheet.",
        "It confidently named a customer who was never part of this claim.",
        "The assistant fabricated a reference to a court case.",
        "Half of the statistics in the output were hallucinated.",
        "It made up a date for the meeting that never happened.",
    ],
    "slow": [
        "It takes almost a minute before anything appears.",
        "Way too slow, I gave up waiting and wrote it myself.",
        "The response time is terrible in the afternoon.",
        "Loading spinner for ages, then a timeout error.",
        "Each answer takes forever to generate.",
        "It keeps timing out when the document is long.",
        "Very slow today, responses take several minutes.",
        "The tool hangs and I have to reload the page to get a reply.",
    ],
    "saves time": [
        "Saved me an hour on the weekly report, great job.",
        "Brilliant, the first draft is almost ready to send.",
        "This is a huge time saver for answering routine emails.",
        "Really helpful, I finish my case notes much faster now.",
        "Love it, it cut my preparation time in half.",
        "Great tool, the summaries are exactly what I needed.",
        "Very useful for drafting letters, saves lots of time.",
        "Fantastic help with the monthly reconciliation, so much quicker.",
    ],
    "confidential data": [
        "It showed another customer's account number in my answer.",
        "I saw personal data from a different employee in the output.",
        "The reply included a colleague's salary, that is confidential.",
        "Private medical details of a claimant appeared in the summary.",
        "It leaked an internal password that was in an old ticket.",
        "Someone else's home address showed up in the draft letter.",
        "Confidential board minutes were quoted to a junior analyst.",
        "The output exposed credit card numbers from the source file.",
    ],
    "wrong language": [
        "I asked in German and it answered in English.",
        "The reply switches to English halfway through my French text.",
        "It translated our Dutch product names into English words.",
        "Spanish customers get answers in English instead of Spanish.",
        "It ignores that I write in Italian and replies in English.",
        "Polish letters come back in English every time.",
        "The German umlauts are garbled and the grammar is English.",
        "It should answer in the language of the question, not always English.",
    ],
}


def labelled() -> tuple[list[str], list[int]]:
    """The comments and their true theme numbers, in a fixed interleaved order."""
    comments: list[str] = []
    labels: list[int] = []
    groups = list(COMMENTS.values())
    for position in range(max(len(group) for group in groups)):
        for label, group in enumerate(groups):
            if position < len(group):
                comments.append(group[position])
                labels.append(label)
    return comments, labels
